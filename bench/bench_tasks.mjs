// The noop task for the SDK scenario's Node subworkers (bench/run --sdks).
import { registerTask } from "../sdk/typescript/src/index.js";

registerTask("noop", () => null);
