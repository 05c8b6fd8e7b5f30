// Moved to @xinlian/protocol so that clients verify state proofs with the node's own code.
export * from '@xinlian/protocol/state-proof';
