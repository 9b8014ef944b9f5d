// The rule file editor: a plain <textarea> with a line-number gutter beside
// it, kept scrolled together, and the caret moved to a line and column.

/** Wires `textarea` to `gutter`; returns {setText, moveTo}. */
export function editor(textarea, gutter) {
  let lines = 0;
  const renumber = () => {
    const n = textarea.value.split('\n').length;
    if (n !== lines) {
      lines = n;
      gutter.textContent = Array.from({ length: n }, (_, i) => i + 1).join('\n');
    }
    gutter.scrollTop = textarea.scrollTop;
  };
  textarea.addEventListener('input', renumber);
  textarea.addEventListener('scroll', () => { gutter.scrollTop = textarea.scrollTop; });
  return {
    setText(text) {
      textarea.value = text;
      textarea.scrollTop = 0;
      renumber();
    },
    /** Puts the caret at 1-based `line` and `column` (in characters) and scrolls it into view. */
    moveTo(line, column) {
      const text = textarea.value;
      let offset = 0;
      for (let l = 1; l < line; l++) {
        const next = text.indexOf('\n', offset);
        if (next < 0) break;
        offset = next + 1;
      }
      const end = text.indexOf('\n', offset);
      const lineText = text.slice(offset, end < 0 ? text.length : end);
      // Columns count characters; a JS string counts UTF-16 units.
      const before = [...lineText].slice(0, Math.max(0, column - 1)).join('');
      const at = offset + before.length;
      textarea.focus();
      textarea.setSelectionRange(at, at);
      const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
      const top = (line - 1) * lineHeight;
      if (top < textarea.scrollTop || top > textarea.scrollTop + textarea.clientHeight - lineHeight) {
        textarea.scrollTop = Math.max(0, top - textarea.clientHeight / 3);
      }
      gutter.scrollTop = textarea.scrollTop;
    },
  };
}
