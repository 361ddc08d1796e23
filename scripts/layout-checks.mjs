/**
 * Layout checks for a report page open in a browser (playwright page), shared by the browser test and
 * `node scripts/check-report.mjs`:
 *
 * - `overflowingElements(page)`: elements wider than their card — any element inside a `<section>`
 *   (or the headline) whose right edge passes the card's inner right edge, unless a scroll container
 *   inside the card (overflow-x auto / scroll / hidden) holds it, in which case that container must fit;
 * - `overlappingLabels(page)`: text labels of a chart that overlap — every visible SVG `<text>` in a
 *   chart (opacity, fill-opacity and display along its ancestors), pairs whose boxes intersect by more
 *   than 2 px each way; a label drawn twice at the same place (a white halo under it) counts once;
 * - `clippedLabels(page)`: chart text that runs out of its chart's SVG (clipped at the edge).
 *
 * Each returns a list of readable problems (empty when the page holds).
 */

/** Elements wider than their card. */
export async function overflowingElements(page) {
  return page.evaluate(() => {
    const out = [];
    const cards = Array.from(document.querySelectorAll('main section'));
    for (const card of cards) {
      const cs = getComputedStyle(card);
      const cr = card.getBoundingClientRect();
      const right = cr.right - parseFloat(cs.borderRightWidth) + 1;
      const left = cr.left + parseFloat(cs.borderLeftWidth) - 1;
      const clips = (el) => {
        for (let a = el.parentElement; a && a !== card; a = a.parentElement) {
          const o = getComputedStyle(a).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden') return a;
        }
        return null;
      };
      for (const el of card.querySelectorAll('*')) {
        if (el.closest('#vg-tooltip-element')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.right <= right && r.left >= left) continue;
        const box = clips(el);
        if (box) {
          const b = box.getBoundingClientRect();
          if (b.right <= right && b.left >= left) continue;
        }
        const id = el.id ? `#${el.id}` : el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : '';
        out.push(`${card.id}: <${el.tagName.toLowerCase()}${id}> spans ${Math.round(r.left)}–${Math.round(r.right)} px, card ${Math.round(left)}–${Math.round(right)} px`);
        if (out.length > 40) return out;
      }
    }
    return out;
  });
}

/** Overlapping text labels within each chart (and clipped ones when `clipped` is true). */
async function labelProblems(page, which) {
  return page.evaluate((which) => {
    const visible = (el, svg) => {
      for (let a = el; a && a !== svg.parentElement; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
        if (a.getAttribute && (a.getAttribute('opacity') === '0' || a.getAttribute('fill-opacity') === '0')) return false;
      }
      return true;
    };
    const out = [];
    for (const chart of document.querySelectorAll('.chart')) {
      const svg = chart.querySelector('svg');
      if (!svg) continue;
      const sb = svg.getBoundingClientRect();
      const labels = [];
      for (const t of svg.querySelectorAll('text')) {
        const text = (t.textContent || '').trim();
        if (!text || !visible(t, svg)) continue;
        const b = t.getBoundingClientRect();
        if (b.width === 0 || b.height === 0) continue;
        // a halo (the same text drawn twice at the same place) counts once
        if (labels.some((l) => l.text === text && Math.abs(l.b.left - b.left) < 1 && Math.abs(l.b.top - b.top) < 1)) continue;
        labels.push({ text, b });
      }
      if (which === 'clipped') {
        for (const l of labels) {
          if (l.b.left < sb.left - 1 || l.b.right > sb.right + 1 || l.b.top < sb.top - 1 || l.b.bottom > sb.bottom + 1) {
            out.push(`${chart.id}: "${l.text}" runs out of the chart (${Math.round(l.b.left - sb.left)}–${Math.round(l.b.right - sb.left)} px of ${Math.round(sb.width)})`);
          }
        }
        continue;
      }
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const a = labels[i].b;
          const b = labels[j].b;
          const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (dx > 2 && dy > 2) out.push(`${chart.id}: "${labels[i].text}" overlaps "${labels[j].text}" (${Math.round(dx)} × ${Math.round(dy)} px)`);
        }
      }
    }
    return out;
  }, which);
}

export const overlappingLabels = (page) => labelProblems(page, 'overlap');
export const clippedLabels = (page) => labelProblems(page, 'clipped');
