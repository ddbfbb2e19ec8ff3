// Keyboard: j / k move the selection down / up, Enter opens the selected
// study in the PACS, c claims it, r releases it, n is Read next, ? shows
// the keys (index.html's list, which README repeats). Keys typed into a
// field, or with a modifier, are left alone.

export function bindKeys({ move, open, claim, release, next, help }) {
  document.addEventListener('keydown', e => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return; // Shift makes '?'
    const t = e.target;
    if (t && t.closest && t.closest('input, select, textarea, dialog, [contenteditable]')) return;
    switch (e.key) {
      case 'j':
      case 'ArrowDown':
        if (e.key === 'ArrowDown' && !(t && t.closest && t.closest('#list'))) return;
        move(1);
        break;
      case 'k':
      case 'ArrowUp':
        if (e.key === 'ArrowUp' && !(t && t.closest && t.closest('#list'))) return;
        move(-1);
        break;
      case 'Enter':
        // Enter on a button, link or summary does what that control does.
        if (t && t.closest && t.closest('button, a, summary')) return;
        open();
        break;
      case 'c':
        claim();
        break;
      case 'r':
        release();
        break;
      case 'n':
        next();
        break;
      case '?':
        help();
        break;
      default:
        return;
    }
    e.preventDefault();
  });
}
