// <delegate-doctor-report src="model.tflite" sdk="29" [delegate="gpu|litert-gpu"] [gpu-backend="gl"]> for documentation pages: one script tag,
// <script type="module" src="https://…/delegate-doctor-report.js"></script>. The element shows the
// embed card in an iframe from Delegate Doctor's own origin (which runs the analysis and keeps the
// host page's scripts and styles apart), sized to its content.
const here = new URL(".", import.meta.url);

class DelegateDoctorReport extends HTMLElement {
  static observedAttributes = ["src", "sdk", "cpu-fallback", "limit", "accelerator", "delegate", "gpu-backend"];
  private frame: HTMLIFrameElement | null = null;

  connectedCallback(): void {
    if (!this.frame) {
      const root = this.attachShadow({ mode: "open" });
      this.frame = document.createElement("iframe");
      this.frame.title = "Delegate Doctor report";
      this.frame.setAttribute("loading", "lazy");
      this.frame.style.border = "0";
      this.frame.style.width = "100%";
      this.frame.style.height = "220px";
      root.append(this.frame);
      window.addEventListener("message", (e) => this.resize(e));
    }
    this.update();
  }

  attributeChangedCallback(): void {
    this.update();
  }

  private update(): void {
    if (!this.frame) return;
    const src = this.getAttribute("src");
    const url = new URL("embed.html", here);
    if (src) url.searchParams.set("model", new URL(src, document.baseURI).href);
    url.searchParams.set("sdk", this.getAttribute("sdk") ?? "30");
    if (this.hasAttribute("cpu-fallback")) url.searchParams.set("cpu_fallback", "1");
    const limit = this.getAttribute("limit");
    if (limit) url.searchParams.set("limit", limit);
    const accelerator = this.getAttribute("accelerator");
    if (accelerator) url.searchParams.set("accelerator", accelerator);
    // The card checks these (default NNAPI; OpenCL).
    const delegate = this.getAttribute("delegate");
    if (delegate) url.searchParams.set("delegate", delegate);
    const backend = this.getAttribute("gpu-backend");
    if (backend) url.searchParams.set("gpu_backend", backend);
    if (this.frame.src !== url.href) this.frame.src = url.href;
  }

  private resize(e: MessageEvent): void {
    if (!this.frame || e.source !== this.frame.contentWindow || e.origin !== here.origin) return;
    const h = (e.data as { delegateDoctorHeight?: unknown })?.delegateDoctorHeight;
    if (typeof h === "number" && h > 0 && h < 5000) this.frame.style.height = `${h}px`;
  }
}

if (!customElements.get("delegate-doctor-report")) customElements.define("delegate-doctor-report", DelegateDoctorReport);
