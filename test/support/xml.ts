/**
 * A small XML reader for tests (no XML library is a dependency): elements, attributes, text and
 * the five predefined entities; the declaration, DOCTYPE and comments are skipped. It throws on
 * a tag that does not close where it should, so a malformed document fails the test that reads it.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const decode = (s: string): string => s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ENTITIES[e] ?? '');

export function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let consumed = 0;
  for (let match = token.exec(source); match; match = token.exec(source)) {
    if (match.index !== consumed) throw new Error(`unexpected markup at ${consumed}: ${source.slice(consumed, consumed + 40)}`);
    consumed = token.lastIndex;
    const [, close, open, attrs, selfClosing, text] = match;
    const top = stack[stack.length - 1]!;
    if (close) {
      if (top.name !== close) throw new Error(`</${close}> closes <${top.name}>`);
      stack.pop();
    } else if (open) {
      const attributes: Record<string, string> = {};
      for (const [, key, value] of (attrs ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) attributes[key!] = decode(value!);
      const element: XmlElement = { name: open, attributes, children: [], text: '' };
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    } else if (text) top.text += decode(text);
  }
  if (consumed !== source.length) throw new Error(`unexpected markup at ${consumed}`);
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  const [document] = root.children;
  if (!document || root.children.length !== 1) throw new Error('expected one root element');
  return document;
}

/** Child elements named `name`. */
export function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** The first child named `name`, or undefined. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** The trimmed text of the first child named `name`. */
export function childText(element: XmlElement, name: string): string | undefined {
  return child(element, name)?.text.trim();
}
