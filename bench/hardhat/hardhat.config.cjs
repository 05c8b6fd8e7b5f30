// The baseline for `npm run bench -- node`: Hardhat's node, run from this folder with the same funded accounts
// (Hardhat's defaults are the `test … junk` mnemonic's first 20 accounts, as in `xinlian dev`).
module.exports = {
  networks: { hardhat: { chainId: 31337, mining: { auto: true }, loggingEnabled: false } },
};
