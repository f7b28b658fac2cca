/** Lets the webview script import its stylesheet; esbuild emits it as dist/webview/exit-stats.css. */
declare module '*.css';
