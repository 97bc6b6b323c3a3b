// solidity-coverage compiles without the optimizer, where some ABI encoders run out of stack ("Stack too
// deep ... headStart"). A minimal Yul optimizer pass fixes that without changing what is measured.
module.exports = {
  configureYulOptimizer: true,
  skipFiles: ["test/"],
};
