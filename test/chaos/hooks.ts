/** Root hooks of `npm run test:chaos` (.mocharc.chaos.json): after every file, one chaos.json with all scenarios. */
import { mergeSeparateResults } from "./record";

export const mochaHooks = {
  afterAll(): void {
    mergeSeparateResults();
  },
};
