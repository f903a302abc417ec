// Starts the app. Trunk puts the hashed file names into this tag's data
// attributes (see Trunk.toml), so no inline script is needed and the
// Content-Security-Policy can forbid inline code entirely.
const tag = document.querySelector("script[data-wasm]");
const base = document.baseURI;
// Ask for config.json while the code downloads; the app takes this request
// (src/config.rs) instead of starting its own once it runs.
globalThis.avatarStudioConfig = fetch(new URL("config.json", base), { cache: "no-cache" });
const glue = await import(new URL(tag.dataset.js, base).href);
await glue.default({ module_or_path: new URL(tag.dataset.wasm, base).href });

// Offline: the service worker (dist/sw.js, written by `make dist`) keeps this
// build's files. Registered only once the app runs, so it never delays the
// form; relative, so a deployment under /studio/ gets the scope /studio/.
if ("serviceWorker" in navigator) {
  const register = () => navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => {});
  if (document.readyState === "complete") register();
  else addEventListener("load", register, { once: true });
}
