import { chainConfigAbi } from '@xinlian/contracts';
import { hex } from './codec.js';
import { readParameters, writeParameters } from './config-records.js';
import { ACCESS_MODE, CHAIN_CONFIG, LIMITS } from './constants.js';
import { emit, type GovernanceContract } from './contract.js';
import { refuse } from './errors.js';
import type { ChainParameters } from './interface.js';

/** ChainConfig at 0x…1005 (IChainConfig.sol): the parameters the committee may change. */

function parametersStruct(parameters: ChainParameters): Record<string, unknown> {
  return {
    blockGasLimit: parameters.blockGasLimit,
    blockIntervalMs: parameters.blockIntervalMs,
    timeoutProposeMs: parameters.timeoutProposeMs,
    accessMode: parameters.accessMode === 'permissioned' ? ACCESS_MODE.permissioned : ACCESS_MODE.open,
    deployRestricted: parameters.deployRestricted,
  };
}

function within(value: bigint | number, min: bigint | number, max: bigint | number, what: string): void {
  if (value < min || value > max) refuse(`${what} ${value} outside ${min}–${max}`);
}

export const chainConfigContract: GovernanceContract = {
  name: 'ChainConfig',
  address: CHAIN_CONFIG,
  abi: chainConfigAbi,
  functions: {
    setParameters: {
      kind: 'committee',
      run(args, env) {
        const input = args[0] as {
          blockGasLimit: bigint;
          blockIntervalMs: number;
          timeoutProposeMs: number;
          accessMode: number;
          deployRestricted: boolean;
        };
        within(input.blockGasLimit, LIMITS.blockGasLimitMin, LIMITS.blockGasLimitMax, 'blockGasLimit');
        within(input.blockIntervalMs, LIMITS.blockIntervalMsMin, LIMITS.blockIntervalMsMax, 'blockIntervalMs');
        within(input.timeoutProposeMs, LIMITS.timeoutProposeMsMin, LIMITS.timeoutProposeMsMax, 'timeoutProposeMs');
        if (input.accessMode !== ACCESS_MODE.open && input.accessMode !== ACCESS_MODE.permissioned) {
          refuse(`accessMode ${input.accessMode}: Open (0) or Permissioned (1)`);
        }
        const parameters: ChainParameters = {
          blockGasLimit: BigInt(input.blockGasLimit),
          blockIntervalMs: Number(input.blockIntervalMs),
          timeoutProposeMs: Number(input.timeoutProposeMs),
          accessMode: input.accessMode === ACCESS_MODE.permissioned ? 'permissioned' : 'open',
          deployRestricted: input.deployRestricted,
        };
        const current = readParameters(env.records);
        if (
          current.blockGasLimit === parameters.blockGasLimit &&
          current.blockIntervalMs === parameters.blockIntervalMs &&
          current.timeoutProposeMs === parameters.timeoutProposeMs &&
          current.accessMode === parameters.accessMode &&
          current.deployRestricted === parameters.deployRestricted
        ) {
          refuse('the parameters already have these values');
        }
        writeParameters(env.records, parameters);
        emit(env, chainConfigContract, 'ParametersChanged', {
          parameters: parametersStruct(parameters),
          by: hex(env.caller),
        });
      },
    },
    getParameters: {
      kind: 'view',
      run(_args, env) {
        return parametersStruct(readParameters(env.records));
      },
    },
  },
};
