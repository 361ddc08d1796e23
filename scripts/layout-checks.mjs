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

/**
 * Tables that scroll sideways inside their box and lose their key column: for every table in a scroll
 * container that is narrower than the table, the box is scrolled to its right end and each row's first
 * cell must still be inside the box (a sticky first column); the scroll position is put back.
 */
export async function hiddenKeyColumns(page) {
  return page.evaluate(() => {
    const out = [];
    for (const table of document.querySelectorAll('main table')) {
      let box = null;
      for (let a = table.parentElement; a; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') {
          box = a;
          break;
        }
      }
      if (!box || box.scrollWidth <= box.clientWidth + 1) continue;
      const before = box.scrollLeft;
      box.scrollLeft = box.scrollWidth;
      const b = box.getBoundingClientRect();
      const name = `${box.closest('section')?.id ?? '?'} table${table.id ? `#${table.id}` : ''}`;
      for (const row of table.rows) {
        const cell = row.cells[0];
        if (!cell) continue;
        const r = cell.getBoundingClientRect();
        if (r.left < b.left - 1 || r.right > b.right + 1) {
          out.push(`${name}: scrolled to its right end (${box.scrollWidth} px in ${box.clientWidth} px), the key cell "${(cell.textContent || '').trim().slice(0, 40)}" is out of view`);
          break;
        }
      }
      box.scrollLeft = before;
    }
    return out;
  });
}

/**
 * Numbers split from their sign: in every text of the page (charts' SVG text included), a minus (− or -)
 * or plus sign written before a number ("−$3.55k", "+0.4 pp", "[−1.2%") must sit on the same line as the
 * number's first digit. Measured with DOM ranges on the rendered text, so a wrap anywhere between the sign
 * and the digit counts.
 */
export async function splitSigns(page) {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const re = /(?<![\p{L}\p{N}_.)\]])[\u2212+-][\s\u00a0\u2060]*[$€£]?\u2060?(?=\d)/gu;
    const range = document.createRange();
    const rect = (node, i) => {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rs = range.getClientRects();
      return rs.length ? rs[0] : null;
    };
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent || '';
      if (!/\d/.test(text) || node.parentElement?.closest('script,style,pre,#vg-tooltip-element')) continue;
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const sign = rect(node, m.index);
        const digit = rect(node, m.index + m[0].length);
        if (!sign || !digit || sign.height === 0) continue;
        // on one line: their vertical extents overlap by most of a line
        const overlap = Math.min(sign.bottom, digit.bottom) - Math.max(sign.top, digit.top);
        if (overlap < Math.min(sign.height, digit.height) / 2) {
          const where = node.parentElement?.closest('section')?.id ?? 'page';
          out.push(`${where}: "${text.slice(Math.max(0, m.index - 12), m.index + m[0].length + 10).replace(/\s+/g, ' ')}" — the sign and its number are on different lines`);
          if (out.length > 40) return out;
        }
      }
    }
    return out;
  });
}

/**
 * Axes that repeat a tick label ("0%, 0%, 0.1%, 0.1%"), or label a tick of a log axis "0": every
 * visible axis of every chart, its label texts in order.
 */
export async function duplicateTicks(page) {
  return page.evaluate(() => {
    const out = [];
    for (const chart of document.querySelectorAll('.chart')) {
      for (const axis of chart.querySelectorAll('svg g.role-axis')) {
        const labels = Array.from(axis.querySelectorAll('.role-axis-label text'))
          .filter((t) => t.getAttribute('opacity') !== '0' && getComputedStyle(t).opacity !== '0')
          .map((t) => (t.textContent || '').trim())
          .filter((t) => t !== '');
        const seen = new Set();
        const dup = labels.filter((t) => (seen.has(t) ? true : (seen.add(t), false)));
        if (dup.length) out.push(`${chart.id}: axis "${(axis.querySelector('.role-axis-title text')?.textContent || '').trim()}" repeats ${[...new Set(dup)].map((d) => `"${d}"`).join(', ')} (${labels.join(', ')})`);
      }
    }
    return out;
  });
}
