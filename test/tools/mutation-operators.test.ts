/**
 * The Solidity mutator (tools/mutation/sol): each operator produces the intended mutant and nothing inside
 * comments, strings, pragmas or imports; a mutant the compiler rejects is counted as compile_error, not killed.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMutant, blankCommentsAndStrings, generateMutants, mutantKey, type OperatorId } from "../../tools/mutation/sol/operators";

const SRC = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
import {Foo} from "./Foo.sol";

contract C {
    uint256 public constant WINDOW = 1 days;
    event Moved(address from, address to, uint256 amount);
    error TooMuch(uint256 amount);

    function move(address from, address to, uint256 amount) external onlyOwner whenNotPaused returns (bool) {
        // a < b && c == d in a comment stays
        require(amount <= WINDOW, "a < b");
        if (amount > 10 || from == to) revert TooMuch(amount);
        total += amount * 2;
        emit Moved(from, to, amount);
        return amount != 0;
    }
}
`;

function mutantsOf(op: OperatorId): Array<[string, string, number]> {
  return generateMutants(SRC, "C.sol", new Set([op])).map((m) => [m.original, m.replacement, m.line]);
}

describe("Solidity mutation operators", function () {
  it("blanks comments and string contents without moving any offset", function () {
    const blanked = blankCommentsAndStrings(SRC);
    expect(blanked.length).to.equal(SRC.length);
    expect(blanked).not.to.contain("a < b");
    expect(blanked).not.to.contain("SPDX");
    expect(blanked.split("\n").length).to.equal(SRC.split("\n").length);
  });

  it("boundary: < <= > >= swap with their boundary, never inside comments or strings", function () {
    expect(mutantsOf("boundary")).to.deep.equal([
      ["<=", "<", 12],
      [">", ">=", 13],
    ]);
  });

  it("equality and logical: == <-> != and && <-> ||", function () {
    expect(mutantsOf("equality")).to.deep.equal([
      ["==", "!=", 13],
      ["!=", "==", 16],
    ]);
    expect(mutantsOf("logical")).to.deep.equal([["||", "&&", 13]]);
  });

  it("arithmetic: binary operators and compound assignments, not a unary minus", function () {
    expect(mutantsOf("arithmetic")).to.deep.equal([
      ["+=", "-=", 14],
      ["*", "/", 14],
    ]);
    const d = "contract D { function f() public { int x = -1; x = 2 - x; } }";
    const unary = generateMutants(d, "D.sol", new Set(["arithmetic"]));
    expect(unary.map((m) => m.original)).to.deep.equal(["-"]);
    expect(unary[0].column).to.equal(d.indexOf("2 - x") + 3);
  });

  it("literal: N -> N+1 and N-1 (not below zero), never in the pragma", function () {
    expect(mutantsOf("literal")).to.deep.equal([
      ["1", "2", 6],
      ["1", "0", 6],
      ["10", "11", 13],
      ["10", "9", 13],
      ["2", "3", 14],
      ["2", "1", 14],
      ["0", "1", 16],
    ]);
  });

  it("delete-statement: a require, a revert (also the body of an if) and an emit become {}", function () {
    const m = mutantsOf("delete-statement");
    expect(m.map(([o, r]) => [o.split("(")[0], r])).to.deep.equal([
      ["require", "{}"],
      ["revert TooMuch", "{}"],
      ["emit Moved", "{}"],
    ]);
    expect(m[0][0]).to.equal('require(amount <= WINDOW, "a < b");');
  });

  it("swap-arguments: adjacent different arguments of calls, not of declarations", function () {
    expect(mutantsOf("swap-arguments")).to.deep.equal([
      ["from, to", "to, from", 15],
      ["to, amount", "amount, to", 15],
    ]);
  });

  it("swap-arguments skips Yul's commutative builtins and literals of the same value", function () {
    const yul = "contract Y { function f() public { assembly { let a := add(x, 1) mstore(0x00, 0) mstore(p, 0x20) } } }";
    expect(generateMutants(yul, "Y.sol", new Set(["swap-arguments"])).map((m) => m.replacement)).to.deep.equal(["0x20, p"]);
  });

  it("remove-modifier: each modifier of a header alone, keeping visibility, mutability and returns", function () {
    const mutants = generateMutants(SRC, "C.sol", new Set(["remove-modifier"]));
    expect(mutants.map((m) => m.original)).to.deep.equal([" onlyOwner", " whenNotPaused"]);
    expect(applyMutant(SRC, mutants[0])).to.contain("external whenNotPaused returns (bool) {");
    expect(applyMutant(SRC, mutants[1])).to.contain("external onlyOwner returns (bool) {");
    const withArgs = generateMutants("contract E { function f() external onlyRole(ADMIN) override(A, B) {} }", "E.sol", new Set(["remove-modifier"]));
    expect(withArgs.map((m) => m.original)).to.deep.equal([" onlyRole(ADMIN)"]);
  });

  it("applies one mutant alone and refuses a source that changed since", function () {
    const [m] = generateMutants(SRC, "C.sol", new Set(["equality"]));
    const mutated = applyMutant(SRC, m);
    expect(mutated).to.contain("from != to");
    expect(mutated.length).to.equal(SRC.length);
    expect(() => applyMutant(SRC.replace("from == to", "to == from"), m)).to.throw(/file changed since the mutants were generated/);
    expect(mutantKey(m)).to.equal("C.sol:13:33 equality == -> !=");
  });

  it("ids and positions are stable for the same source", function () {
    const a = generateMutants(SRC, "C.sol");
    const b = generateMutants(SRC, "C.sol");
    expect(a).to.deep.equal(b);
    expect(new Set(a.map((m) => m.id)).size).to.equal(a.length);
  });
});

describe("Solidity mutation worker: a mutant that does not compile", function () {
  this.timeout(600_000);

  it("is counted as compile_error, not killed; a killing mutant as killed; the baseline survives", async function () {
    // A real worker in a real sandbox of this project, with one small test file: slow (a Hardhat start and
    // two compiles), so it only runs when MUTATION_WORKER_TEST=1 (docs/development.md).
    if (process.env.MUTATION_WORKER_TEST !== "1") this.skip();
    const { runSolArea } = await import("../../tools/mutation/sol/run");
    const root = path.resolve(__dirname, "..", "..");
    const file = "contracts/token/AlloToken.sol";
    const src = fs.readFileSync(path.join(root, file), "utf8");
    const all = generateMutants(src, file);
    const broken = all.find((m) => m.operator === "swap-arguments" && m.original === "INITIAL_ADMIN_TRANSFER_DELAY, initialAdmin");
    const killing = all.find((m) => m.operator === "remove-modifier" && m.line === 105);
    expect(broken, "expected mutant").to.not.equal(undefined);
    expect(killing, "expected mutant").to.not.equal(undefined);
    const lines: string[] = [];
    const { outcomes } = await runSolArea({
      root,
      area: `selftest-${os.hostname()}`,
      files: [file],
      tests: ["test/contracts/token/AlloToken.ts"],
      workers: 1,
      equivalents: {},
      filter: undefined,
      only: [broken!.id, killing!.id],
      log: (l) => lines.push(l),
    });
    const byId = new Map(outcomes.map((o) => [o.mutant.id, o.status]));
    expect(byId.get(broken!.id)).to.equal("compile_error");
    expect(byId.get(killing!.id)).to.equal("killed");
  });
});
