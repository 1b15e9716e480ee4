// Trunk's initializer for the CPU build (index.html's data-initializer), and the one
// way the page starts its WebGPU build (web/src/services/builds.rs imports it too).
//
// The CPU build multiplies with wasm relaxed SIMD (fused multiply-adds: 16% faster
// decodes), which an engine without relaxed SIMD refuses to compile. There the page
// starts the WebGPU build instead, built without it: it decodes on the CPU just the
// same (its CPU path is the portable one), and on WebGPU when the visit asks for it.
// A bigger download for those browsers (4.7 MB gzip instead of 1.2), never a blank page.

/** Imports the WebGPU build (dist/webgpu/) and starts it; it then draws the page. */
export function startWebgpuBuild() {
  return import(new URL('webgpu/latentlab-web.js', document.baseURI)).then((m) => m.default());
}

export default function boot() {
  return {
    onFailure: (error) => {
      if (!(error instanceof WebAssembly.CompileError)) throw error;
      console.info(`latentlab: this engine cannot compile the CPU build (${error.message}); starting the portable build`);
      return startWebgpuBuild();
    },
  };
}
