// Trunk's initializer for the CPU build (index.html's data-initializer), and the one
// way the page starts its WebGPU build (web/src/services/builds.rs imports it too).
//
// The CPU build multiplies with wasm relaxed SIMD (fused multiply-adds: 16% faster
// decodes), which an engine without relaxed SIMD refuses to compile. There the page
// starts the WebGPU build instead, built without it: it decodes on the CPU just the
// same (its CPU path is the portable one), and on WebGPU when the visit asks for it.
// Those browsers download 4.7 MB gzip more (the refused 1.2 MB was already fetched).

/** Imports the WebGPU build (dist/webgpu/) and starts it; it then draws the page. */
export function startWebgpuBuild() {
  return import(new URL('webgpu/latentlab-web.js', document.baseURI)).then((m) => m.default());
}

export default function boot() {
  return {
    onFailure: (error) => {
      if (!(error instanceof WebAssembly.CompileError)) throw error;
      console.info(`latentlab: this engine cannot compile the CPU build (${error.message}); starting the portable build`);
      return startWebgpuBuild().catch((e) => console.error('latentlab: the portable build did not start', e));
    },
  };
}
