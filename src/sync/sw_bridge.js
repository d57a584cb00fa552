// The page's side of the service worker (public/sw.js): registration, "a new version is
// waiting", and activating it when the user accepts. Kept in JS because it is all browser
// promises and events; the Rust side (service_worker.rs) decides when to show and accept.

let waiting = null;

export function registerServiceWorker(onUpdateReady, onError) {
  if (!("serviceWorker" in navigator)) {
    onError("service workers are not available in this browser");
    return;
  }
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then((reg) => {
      const ready = (worker) => {
        waiting = worker;
        onUpdateReady();
      };
      // A worker already waiting from an earlier visit: offer it at once.
      if (reg.waiting && navigator.serviceWorker.controller) ready(reg.waiting);
      reg.addEventListener("updatefound", () => {
        const worker = reg.installing;
        if (!worker) return;
        worker.addEventListener("statechange", () => {
          // With no controller this is the first install, not an update.
          if (worker.state === "installed" && navigator.serviceWorker.controller) ready(worker);
        });
      });
      // Tablets stay open all day: look for a new version every 30 minutes and when back online.
      setInterval(() => reg.update().catch(() => {}), 30 * 60 * 1000);
      window.addEventListener("online", () => reg.update().catch(() => {}));
    })
    .catch((e) => onError(String(e)));
}

// Activates the waiting version and reloads once it controls the page.
export function acceptUpdate() {
  if (!waiting) return false;
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) return;
    reloading = true;
    window.location.reload();
  });
  waiting.postMessage({ type: "SKIP_WAITING" });
  return true;
}

// The build id of the version that controls this page, or null.
export function controllerBuild() {
  const controller = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (!controller) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), 2000);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data && event.data.build ? String(event.data.build) : null);
    };
    controller.postMessage({ type: "BUILD" }, [channel.port2]);
  });
}
