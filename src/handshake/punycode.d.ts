// Types for the `punycode` package (2.x ships none). It is imported by its file name
// because a bare "punycode" resolves to Node's deprecated built-in module.
declare module "punycode/punycode.js" {
  const punycode: {
    /** Converts a Unicode domain name to ASCII, encoding non-ASCII labels as `xn--`. */
    toASCII(domain: string): string;
    /** Converts `xn--` labels of a domain name back to Unicode; throws RangeError on bad input. */
    toUnicode(domain: string): string;
  };
  export default punycode;
}
