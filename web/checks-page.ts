// The in-page side of test/browser.test.ts: web/checks.ts on this page's copy of dlgrad.
import * as dlgrad from "../src/index.js";
import { runChecks } from "./checks.js";

Object.assign(window, {
  dlgradChecks: (device: string) => runChecks(dlgrad, device),
  dlgradDevices: () => dlgrad.availableDevices(),
});
