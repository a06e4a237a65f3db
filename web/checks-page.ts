// The in-page side of test/browser.test.ts: web/checks.ts on this page's copy of dlgrad.
import * as dlgrad from "../src/index.js";
import { runChecks } from "./checks.js";

Object.assign(window, {
  dlgradChecks: async (device: string) => {
    if (device === "webgpu") await dlgrad.initDevice("webgpu"); // at once when the page already started it
    return runChecks(dlgrad, device);
  },
  dlgradAdapter: () => dlgrad.webgpu.adapterInfo(),
  dlgradDevices: () => dlgrad.availableDevices(),
});
