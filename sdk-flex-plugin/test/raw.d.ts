/** Vite's `?raw` imports (a file's text), as vitest serves them. */
declare module '*?raw' {
  const text: string;
  export default text;
}
