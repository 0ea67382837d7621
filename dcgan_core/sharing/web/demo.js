// The web demo: a trained generator (ONNX) sampled in the visitor's browser with onnxruntime-web.
// demo.json describes the model; latents.bin holds the app's latents of seeds 0..N-1 (float32),
// so seed S here is seed S in the app. Nothing runs on a server.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const meta = await (await fetch("demo.json")).json();
  const seeds = new Float32Array(await (await fetch("latents.bin")).arrayBuffer());
  const dim = meta.latent_dim, [H, W, C] = meta.image_shape;
  ort.env.wasm.wasmPaths = new URL("vendor/", location.href).href;
  ort.env.wasm.numThreads = 1;  // no cross-origin isolation needed: any static server works
  const session = await ort.InferenceSession.create("model.onnx", { executionProviders: ["wasm"] });
  const inputName = session.inputNames.includes("z") ? "z" : session.inputNames[0], outputName = session.outputNames[0];
  const labelName = session.inputNames.find((n) => n !== inputName);  // a conditional generator's class input
  const classes = meta.classes || [];
  const canvas = $("canvas"), ctx = canvas.getContext("2d");
  canvas.width = W; canvas.height = H;
  const state = { base: null, amounts: meta.directions.map(() => 0), drawMs: [], cls: 0 };

  function seedLatent(seed) {
    const s = Math.max(0, Math.min(meta.seed_count - 1, seed | 0));
    return Float32Array.from(seeds.subarray(s * dim, (s + 1) * dim));
  }
  function randomLatent() {  // the run's own distribution
    const z = new Float32Array(dim);
    for (let i = 0; i < dim; i++) {
      if (meta.distribution === "uniform") { z[i] = Math.random() * 2 - 1; continue; }
      const u = 1 - Math.random(), v = Math.random();
      z[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
    return z;
  }
  function edited(base) {
    const z = Float32Array.from(base);
    meta.directions.forEach((d, k) => { for (let i = 0; i < dim; i++) z[i] += state.amounts[k] * d.vector[i]; });
    return z;
  }
  function toByte(x) {
    const v = meta.value_range === "signed" ? (x + 1) * 127.5 : x * 255;
    return Math.min(255, Math.max(0, Math.round(v)));
  }
  let busy = Promise.resolve();
  function draw(z) {
    busy = busy.then(async () => {
      const started = performance.now();
      const feeds = { [inputName]: new ort.Tensor("float32", z, [1, dim]) };
      if (labelName) {
        const onehot = new Float32Array(classes.length);
        onehot[state.cls] = 1;
        feeds[labelName] = new ort.Tensor("float32", onehot, [1, classes.length]);
      }
      const out = await session.run(feeds);
      const px = out[outputName].data, image = ctx.createImageData(W, H);
      for (let p = 0; p < H * W; p++) {
        for (let c = 0; c < 3; c++) image.data[p * 4 + c] = toByte(px[p * C + (C === 1 ? 0 : c)]);
        image.data[p * 4 + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
      state.drawMs.push(performance.now() - started);
      $("status").textContent = `Drawn in your browser in ${state.drawMs.at(-1).toFixed(1)} ms.`;
    });
    return busy;
  }
  const redraw = () => draw(edited(state.base));
  function setSeed(seed) { $("seed").value = seed; state.base = seedLatent(seed); return redraw(); }

  $("title").textContent = meta.card.title;
  document.title = meta.card.title;
  $("seed").max = meta.seed_count - 1;
  $("seed").addEventListener("change", () => setSeed(Number($("seed").value)));
  if (labelName && classes.length) {
    $("class").hidden = $("class-label").hidden = false;
    classes.forEach((name, i) => $("class").append(new Option(name, String(i))));
    $("class").addEventListener("change", () => { state.cls = Number($("class").value); redraw(); });
  }
  $("randomize").addEventListener("click", () => setSeed(Math.floor(Math.random() * meta.seed_count)));
  meta.directions.forEach((d, k) => {
    const label = document.createElement("label"), slider = document.createElement("input");
    label.textContent = d.name; label.htmlFor = `direction-${k}`;
    Object.assign(slider, { type: "range", min: -5, max: 5, step: 0.1, value: 0, id: `direction-${k}` });
    slider.addEventListener("input", () => { state.amounts[k] = Number(slider.value); redraw(); });
    $("sliders").append(label, slider);
  });
  $("reset").addEventListener("click", () => {
    state.amounts.fill(0);
    document.querySelectorAll("#sliders input").forEach((s) => { s.value = 0; });
    redraw();
  });
  if (meta.saved_latents.length) {
    $("saved").hidden = $("saved-label").hidden = false;
    $("saved").append(new Option("—", ""));
    meta.saved_latents.forEach((l, i) => $("saved").append(new Option(l.name, String(i))));
    $("saved").addEventListener("change", () => {
      const i = $("saved").value;
      if (i !== "") { state.base = Float32Array.from(meta.saved_latents[Number(i)].vector); redraw(); }
    });
  }
  $("play").addEventListener("click", async () => {  // spherical interpolation to a random seed and back
    const a = state.base, b = seedLatent(Math.floor(Math.random() * meta.seed_count));
    const dot = a.reduce((s, v, i) => s + v * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));
    const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
    const frames = 24;
    for (const t of [...Array(frames + 1).keys(), ...[...Array(frames).keys()].reverse()].map((i) => i / frames)) {
      const z = new Float32Array(dim);
      const wa = omega < 1e-4 ? 1 - t : Math.sin((1 - t) * omega) / Math.sin(omega);
      const wb = omega < 1e-4 ? t : Math.sin(t * omega) / Math.sin(omega);
      for (let i = 0; i < dim; i++) z[i] = wa * a[i] + wb * b[i];
      await draw(edited(z));
      await new Promise((r) => setTimeout(r, 40));
    }
  });
  const card = meta.card;
  $("card").innerHTML = "";
  for (const [key, value] of Object.entries(card.facts)) {
    const row = document.createElement("div");
    row.textContent = `${key}: ${value}`;
    $("card").append(row);
  }
  window.demo = { meta, state, setSeed, ready: true };
  await setSeed(0);
})().catch((err) => {
  document.getElementById("status").textContent = `The demo could not start: ${err}`;
  window.demo = { error: String(err) };
});
