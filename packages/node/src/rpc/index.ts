/** JSON-RPC 2.0 over HTTP and WebSocket: Ethereum's eth_/net_/web3_ methods and xinlian_ extensions (docs/rpc.md). */
export type { RpcBackend, RpcChain } from './backend.js';
export { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';
export { RpcError, RpcErrorCode, type RpcLogger } from './errors.js';
export {
  type ConnectionContext,
  createRpcMethods,
  type MethodHandler,
  type MethodOptions,
  type RequestContext,
  type RpcMethods,
} from './methods.js';
export { createRpcServer, DEFAULT_MAX_BODY_BYTES, type RpcServer, type RpcServerOptions } from './server.js';
