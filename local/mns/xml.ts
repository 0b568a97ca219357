import { type X2jOptions, XMLParser, XMLValidator } from 'fast-xml-parser';
import { MnsError } from './errors';

const options: X2jOptions = {
  ignoreAttributes: true,
  // Values stay strings: a MessageBody of `007` or `true` is text, not a number.
  parseTagValue: false,
  // Bodies keep their spaces exactly; whitespace between elements lands in `#text`, ignored.
  trimValues: false,
  isArray: (_name: string, jpath: unknown) =>
    jpath === 'Messages.Message' || jpath === 'ReceiptHandles.ReceiptHandle',
};
// Entity decoding (with numeric references, which need htmlEntities) is most of
// the parse cost, so a body without any `&` skips it.
const withEntities = new XMLParser({ ...options, processEntities: true, htmlEntities: true });
const plain = new XMLParser({ ...options, processEntities: false });

/** A parsed element: child name -> text, child element(s), or array for repeated children. */
export type XmlNode = { [key: string]: unknown };

/**
 * Parses a request body. The Node SDK concatenates values raw (toXMLBuffer in
 * @alicloud/mns 1.2.0 lib/helper.js),
 * so a body with `<` or `&` arrives as malformed XML: that is MalformedXML (400),
 * as the cloud answers; CDATA sections pass through, as they do in the cloud.
 */
export function parseXml(body: string): XmlNode {
  return parseFlatXml(body) ?? parseXmlFully(body);
}

/** `parseXml` without the flat fast path: fast-xml-parser, after its validator. */
export function parseXmlFully(body: string): XmlNode {
  if (body.trim() === '') throw new MnsError('MalformedXML');
  // No DTDs (their entities would expand) and no entities beyond XML's five and
  // numeric references: htmlEntities, needed for the numeric ones, knows &nbsp; too.
  // Markup only: inside CDATA an & is plain text.
  const markup = body.includes('<![CDATA[') ? body.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '') : body;
  if (/<!DOCTYPE/i.test(markup) || FOREIGN_ENTITY.test(markup) || badCharReference(markup)) {
    throw new MnsError('MalformedXML');
  }
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    // Where and what: the cloud's text, then the parser's finding.
    throw new MnsError(
      'MalformedXML',
      `The XML you provided was not well-formed: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col}).`,
    );
  }
  try {
    return (body.includes('&') ? withEntities : plain).parse(body) as XmlNode;
  } catch (err) {
    throw new MnsError('MalformedXML', undefined, { cause: err });
  }
}

/** True when a numeric reference names a character XML 1.0 does not allow (fast-xml-parser drops it). */
function badCharReference(body: string): boolean {
  for (const m of body.matchAll(/&#(?:([0-9]+)|x([0-9A-Fa-f]+));/g)) {
    const cp = m[1] !== undefined ? Number(m[1]) : Number.parseInt(m[2] ?? '', 16);
    const ok =
      cp === 0x9 ||
      cp === 0xa ||
      cp === 0xd ||
      (cp >= 0x20 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) ||
      (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) return true;
  }
  return false;
}

const FOREIGN_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)/;

// Characters XML 1.0 cannot carry, raw or as a reference: C0 controls but tab,
// LF and CR; U+FFFE/U+FFFF; lone surrogates. Stored, they would make every
// receive's answer unreadable to a strict XML parser (the Python and Go SDKs).
const NOT_XML_CHAR =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding the control characters XML forbids is the point
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const FLAT_DOC =
  /^\s*(?:<\?xml[^>]*\?>)?\s*<([A-Za-z][\w-]*)(?:\s+xmlns="[^"<&]*")?\s*>((?:<[A-Za-z][\w-]*>[^<&]*<\/[A-Za-z][\w-]*>)*)<\/([A-Za-z][\w-]*)>\s*$/;
const FLAT_CHILD = /<([A-Za-z][\w-]*)>([^<&]*)<\/([A-Za-z][\w-]*)>/g;

/**
 * The shape nearly every request has: one root whose children are plain text
 * without `<` or `&`, as the SDKs write a SendMessage or a queue's attributes.
 * Read with two regexes, an order of magnitude cheaper than the full parser;
 * anything else (entities, CDATA, nesting, repeats, oddities) returns
 * undefined and goes through fast-xml-parser.
 */
export function parseFlatXml(body: string): XmlNode | undefined {
  const doc = FLAT_DOC.exec(body);
  if (!doc || doc[1] !== doc[3]) return undefined;
  const node: XmlNode = {};
  for (const m of doc[2]!.matchAll(FLAT_CHILD)) {
    if (m[1] !== m[3] || m[1]! in node) return undefined;
    node[m[1]!] = m[2]!;
  }
  return { [doc[1]!]: node };
}

/** The element `name` of `node` as an object (an empty element is an empty object). */
export function child(node: unknown, name: string): XmlNode | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[name];
  if (v === undefined) return undefined;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as XmlNode) : {};
}

/** The text of element `name` of `node`, or undefined when absent. */
export function text(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') {
    if (NOT_XML_CHAR.test(v)) {
      throw new MnsError(
        'MalformedXML',
        `The element ${name} contains a character XML cannot carry.`,
      );
    }
    return v;
  }
  if (Array.isArray(v)) {
    throw new MnsError('MalformedXML', `The element ${name} appears more than once.`);
  }
  // `<MessageBody></MessageBody>` parses as ''; anything structured is not text.
  throw new MnsError('MalformedXML', `The element ${name} must contain text.`);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for an XML element. */
export function escapeXml(value: string): string {
  return /[&<>"']/.test(value) ? value.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : value;
}

/** `<Name>escaped</Name>` for each defined field, in order. */
export function elements(fields: ReadonlyArray<readonly [string, string | number | undefined]>) {
  let out = '';
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    out += `<${name}>${escapeXml(String(value))}</${name}>`;
  }
  return out;
}

/** A response document with the MNS namespace on its root. */
export function xmlDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://mns.aliyuncs.com/doc/v1/">${inner}</${root}>`;
}
