// Vite asset imports used by the page (`?url` gives the emitted file's URL).
declare module '*?url' {
  const url: string;
  export default url;
}
