/**
 * A doc comment's text as HTML: paragraphs, `- ` lists (with indented continuation lines), and
 * `code` spans. Everything else is escaped, so a comment can never inject markup.
 */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(s: string): string {
  return s
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `<code>${escape(part)}</code>` : escape(part)))
    .join('');
}

export function docHtml(doc: string): string {
  const out: string[] = [];
  for (const block of doc.split(/\n\s*\n/)) {
    const lines = block.split('\n');
    if (lines[0]!.trimStart().startsWith('- ')) {
      const items: string[] = [];
      for (const line of lines) {
        if (line.trimStart().startsWith('- ')) items.push(line.trimStart().slice(2));
        else if (items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
      }
      out.push(`<ul>${items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
    } else {
      out.push(`<p>${inline(lines.map((l) => l.trim()).join(' '))}</p>`);
    }
  }
  return out.join('');
}
