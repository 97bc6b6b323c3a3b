/**
 * Replays a topic's epochs through the synthesis engine.
 *
 *   npm run synthesize -- --input epochs.jsonl [--p-norm 3 --c-norm 0.75 --alpha-regret 0.1 \
 *       --epsilon 0.0001 --loss mse --allow-negative --initial-regret 0 --no-variants --save-state s.json]
 *
 * Input: JSON Lines, one epoch per line (see synthesis/replay.ts). Output (stdout): one JSON line per
 * epoch {"epoch", "network", "naive", "weights", "forecaster_weights"} then one {"summary": ...} line.
 * Errors go to stderr with the line number and the field; the exit code is 1 (2 for bad options).
 */
import { createReadStream, existsSync, writeFileSync } from "fs";
import { createInterface } from "readline";
import { Command } from "commander";
import {
  LOSS_METHODS,
  ChainVersion,
  LossMethod,
  SynthesisInputError,
  TopicParams,
  defaultTopicParams,
  parseDec,
  regretStateToJSON,
  validateParams,
} from "../synthesis";
import { Replay, ReplayInputError, parseEpochLine } from "../synthesis/replay";

interface Options {
  input: string;
  pNorm: string;
  cNorm: string;
  alphaRegret: string;
  epsilon: string;
  loss: string;
  allowNegative: boolean;
  initialRegret?: string;
  chainVersion: string;
  variants: boolean;
  saveState?: string;
}

function paramsFrom(o: Options): TopicParams {
  const d = defaultTopicParams();
  if (!LOSS_METHODS.includes(o.loss as LossMethod)) {
    throw new SynthesisInputError(
      `--loss: ${JSON.stringify(o.loss)} is not supported; use one of ${LOSS_METHODS.join(", ")}`,
    );
  }
  return validateParams({
    ...d,
    pNorm: parseDec(o.pNorm, "--p-norm"),
    cNorm: parseDec(o.cNorm, "--c-norm"),
    alphaRegret: parseDec(o.alphaRegret, "--alpha-regret"),
    epsilon: parseDec(o.epsilon, "--epsilon"),
    lossMethod: o.loss as LossMethod,
    allowNegative: o.allowNegative,
    chainVersion: o.chainVersion as ChainVersion,
    ...(o.initialRegret !== undefined
      ? { initialRegret: parseDec(o.initialRegret, "--initial-regret") }
      : {}),
  });
}

async function main(): Promise<number> {
  const program = new Command()
    .name("synthesize")
    .description("Replay epochs (JSON Lines) through the Allora inference synthesis and report its losses")
    .requiredOption("-i, --input <file>", "epochs, JSON Lines: {epoch, truth, inferences, forecasts}")
    .option("--p-norm <p>", "p of the potential function", "3")
    .option("--c-norm <c>", "c of the potential function", "0.75")
    .option("--alpha-regret <alpha>", "EMA rate of the regrets, in (0, 1]", "0.1")
    .option("--epsilon <eps>", "added to the regrets' standard deviation", "0.0001")
    .option("--loss <method>", `loss function: ${LOSS_METHODS.join(", ")}`, "mse")
    .option(
      "--allow-negative",
      "the topic allows negative values: losses (and forecasts) are raw, not log10",
      false,
    )
    .option("--initial-regret <r>", "the topic's configured initial regret for newcomers")
    .option(
      "--chain-version <v>",
      "allora-chain rules: current (newest chain code) or v0.5 (released v0.5.0)",
      "current",
    )
    .option("--no-variants", "skip the one-out / one-in values (faster; network and naive are unchanged)")
    .option("--save-state <file>", "write the final regrets as JSON")
    .showHelpAfterError();
  program.exitOverride();
  let opts: Options;
  try {
    program.parse(process.argv);
    opts = program.opts<Options>();
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }

  let params: TopicParams;
  try {
    params = paramsFrom(opts);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  if (!existsSync(opts.input)) {
    process.stderr.write(`error: --input ${opts.input}: no such file; give a JSON Lines file of epochs\n`);
    return 2;
  }

  const replay = new Replay(params, opts.variants);
  const rl = createInterface({ input: createReadStream(opts.input, "utf8"), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (text.trim().length === 0) continue;
      const rec = parseEpochLine(text, line);
      process.stdout.write(JSON.stringify(replay.step(rec, line)) + "\n");
    }
  } catch (e) {
    if (e instanceof ReplayInputError || e instanceof SynthesisInputError) {
      process.stderr.write(`error: ${opts.input}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (line === 0 || replay.regrets.epochs === 0) {
    process.stderr.write(`error: ${opts.input}: no epochs; the file is empty\n`);
    return 1;
  }
  process.stdout.write(JSON.stringify(replay.summary()) + "\n");
  if (opts.saveState)
    writeFileSync(opts.saveState, JSON.stringify(regretStateToJSON(replay.regrets), null, 2) + "\n");
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
