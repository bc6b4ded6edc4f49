// Text boxes of an SVG rendered by ECharts, estimated from its <text> elements, for layout tests.

export interface Box {
  text: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function textBoxes(svg: string): Box[] {
  const boxes: Box[] = [];
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const attrs = m[1];
    const text = m[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    if (!text.trim()) continue;
    const num = (name: string) => Number(new RegExp(`\\s${name}="([-\\d.e]+)"`).exec(attrs)?.[1] ?? 0);
    const size = Number(/font-size:([\d.]+)px/.exec(attrs)?.[1] ?? 12);
    const bold = /font-weight:bold/.test(attrs);
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start';
    const baseline = /dominant-baseline="(\w+)"/.exec(attrs)?.[1] ?? 'alphabetic';
    // transform: translate(tx ty) or matrix(a b c d e f) (rotated axis names)
    let [a, b, c, d, e, f] = [1, 0, 0, 1, 0, 0];
    const tr = /transform="translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)"/.exec(attrs);
    const mx = /transform="matrix\(([^)]+)\)"/.exec(attrs);
    if (tr) [e, f] = [Number(tr[1]), Number(tr[2])];
    if (mx) [a, b, c, d, e, f] = mx[1].split(/[ ,]+/).map(Number);
    const w = text.length * size * (bold ? 0.6 : 0.55);
    const h = size;
    const lx0 = num('x') - (anchor === 'middle' ? w / 2 : anchor === 'end' ? w : 0);
    const ly0 = num('y') - (baseline === 'central' || baseline === 'middle' ? h / 2 : baseline === 'hanging' ? 0 : 0.8 * h);
    const corners = [
      [lx0, ly0],
      [lx0 + w, ly0],
      [lx0, ly0 + h],
      [lx0 + w, ly0 + h],
    ].map(([x, y]) => [a * x + c * y + e, b * x + d * y + f]);
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    boxes.push({ text, x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) });
  }
  return boxes;
}

export function overlaps(boxes: Box[], tolerance = 1): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const p = boxes[i];
      const q = boxes[j];
      const dx = Math.min(p.x1, q.x1) - Math.max(p.x0, q.x0);
      const dy = Math.min(p.y1, q.y1) - Math.max(p.y0, q.y0);
      if (dx > tolerance && dy > tolerance) out.push(`'${p.text}' × '${q.text}'`);
    }
  }
  return out;
}
