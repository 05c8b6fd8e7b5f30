import { RpcError, RpcErrorCode, type RpcLogger } from './errors.js';
import { describe, type MethodHandler, type RequestContext } from './methods.js';

/**
 * JSON-RPC 2.0 over any transport: parses a request body (a single request or a batch), runs the handlers and
 * returns the serialized response — or undefined when nothing is to be sent (notifications only). Never throws;
 * never puts stack traces in responses (internal errors are logged and answered -32603 "internal error").
 */

type Id = string | number | null;

interface Response {
  readonly jsonrpc: '2.0';
  readonly id: Id;
  readonly result?: unknown;
  readonly error?: { code: number; message: string; data?: unknown };
}

export interface DispatcherOptions {
  /** Most requests in one batch; longer batches are answered with one -32600 error. Default 100. */
  readonly maxBatchLength?: number;
  readonly logger?: RpcLogger;
}

export interface Dispatcher {
  /** Handles a raw body: JSON text. Returns the JSON response text, or undefined when no response is due. */
  handle(body: string, context: RequestContext): Promise<string | undefined>;
  /** Handles an already-parsed message. */
  handleMessage(message: unknown, context: RequestContext): Promise<Response | Response[] | undefined>;
}

function errorResponse(id: Id, error: RpcError): Response {
  return { jsonrpc: '2.0', id, error: error.toJSON() };
}

function isValidId(id: unknown): id is Id {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

export function createDispatcher(
  handlers: ReadonlyMap<string, MethodHandler>,
  options: DispatcherOptions = {},
): Dispatcher {
  const maxBatchLength = options.maxBatchLength ?? 100;
  const logger = options.logger;

  const handleOne = async (request: unknown, context: RequestContext): Promise<Response | undefined> => {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return errorResponse(null, new RpcError(RpcErrorCode.INVALID_REQUEST, 'invalid request: expected an object'));
    }
    const fields = request as Record<string, unknown>;
    const hasId = Object.hasOwn(fields, 'id');
    const id = hasId && isValidId(fields.id) ? fields.id : null;
    if (hasId && !isValidId(fields.id)) {
      return errorResponse(
        null,
        new RpcError(RpcErrorCode.INVALID_REQUEST, 'invalid request: id must be a string, number or null'),
      );
    }
    if (fields.jsonrpc !== '2.0') {
      return errorResponse(id, new RpcError(RpcErrorCode.INVALID_REQUEST, 'invalid request: jsonrpc must be "2.0"'));
    }
    if (typeof fields.method !== 'string' || fields.method === '') {
      return errorResponse(id, new RpcError(RpcErrorCode.INVALID_REQUEST, 'invalid request: method must be a string'));
    }
    const params = fields.params;
    if (params !== undefined && (typeof params !== 'object' || params === null)) {
      return errorResponse(
        id,
        new RpcError(RpcErrorCode.INVALID_REQUEST, 'invalid request: params must be an array or object'),
      );
    }
    const method = fields.method;
    const handler = handlers.get(method);
    let response: Response;
    if (handler === undefined) {
      response = errorResponse(
        id,
        new RpcError(
          RpcErrorCode.METHOD_NOT_FOUND,
          `the method ${method.slice(0, 100)} does not exist/is not available`,
        ),
      );
    } else {
      try {
        const result = await handler(params, context);
        response = { jsonrpc: '2.0', id, result: result === undefined ? null : result };
      } catch (error) {
        if (error instanceof RpcError) {
          response = errorResponse(id, error);
        } else {
          logger?.error('RPC method failed', { method, error: describe(error) });
          response = errorResponse(id, new RpcError(RpcErrorCode.INTERNAL_ERROR, 'internal error'));
        }
      }
    }
    // A notification (no id member) gets no response, whatever happened.
    return hasId ? response : undefined;
  };

  const handleMessage = async (
    message: unknown,
    context: RequestContext,
  ): Promise<Response | Response[] | undefined> => {
    if (!Array.isArray(message)) return handleOne(message, context);
    if (message.length === 0) {
      return errorResponse(null, new RpcError(RpcErrorCode.INVALID_REQUEST, 'invalid request: empty batch'));
    }
    if (message.length > maxBatchLength) {
      return errorResponse(
        null,
        new RpcError(
          RpcErrorCode.INVALID_REQUEST,
          `batch too large: ${message.length} requests, at most ${maxBatchLength}`,
        ),
      );
    }
    // In order, one at a time: transactions of one sender in a batch reach the mempool in nonce order.
    const responses: Response[] = [];
    for (const request of message) {
      const response = await handleOne(request, context);
      if (response !== undefined) responses.push(response);
    }
    return responses.length === 0 ? undefined : responses;
  };

  return {
    handleMessage,
    async handle(body, context) {
      let message: unknown;
      try {
        message = JSON.parse(body);
      } catch {
        return JSON.stringify(errorResponse(null, new RpcError(RpcErrorCode.PARSE_ERROR, 'parse error')));
      }
      const response = await handleMessage(message, context);
      return response === undefined ? undefined : JSON.stringify(response);
    },
  };
}
