/**
 * The shared memory one gradient request travels through: the main thread writes the
 * detector's input batch, a worker overwrites it with the input gradient and stores the
 * loss value and a done flag. The main thread waits on that flag with Atomics.wait, which
 * lets a worker's gradient be joined synchronously inside tfjs's backward pass.
 */

const STATE = 0; // Int32 slot: what the request is waiting for (see below)
const ERROR_LENGTH = 1; // Int32 slot: bytes of the UTF-8 error text
const VALUE_BYTE = 8; // Float64: the loss value
const ERROR_BYTE = 16;
const ERROR_BYTES = 1008;
const DATA_BYTE = ERROR_BYTE + ERROR_BYTES; // 1024: float data, 4-byte aligned

const PENDING = 0;
const DONE = 1;
const FAILED = 2;

/** A request's shared buffer, seen from either side. */
export class GradientChannel {
  /** The shared memory; post it to the worker (it is shared, not copied). */
  readonly buffer: SharedArrayBuffer;
  readonly #flags: Int32Array;

  /** Wraps an existing buffer (the worker's side). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#flags = new Int32Array(buffer, 0, 2);
  }

  /** A channel that holds up to `floats` float32 values. */
  static withCapacity(floats: number): GradientChannel {
    return new GradientChannel(new SharedArrayBuffer(DATA_BYTE + 4 * floats));
  }

  /** How many float32 values fit. */
  get capacity(): number {
    return (this.buffer.byteLength - DATA_BYTE) / 4;
  }

  /** The first `count` floats: the input batch on the way out, its gradient on the way back. */
  data(count: number): Float32Array {
    if (count > this.capacity) {
      throw new RangeError(`${count} values do not fit a channel of ${this.capacity}`);
    }
    return new Float32Array(this.buffer, DATA_BYTE, count);
  }

  /** The first `count` bytes of the data area: an RGB image on the way out (count-faces). */
  bytes(count: number): Uint8Array {
    if (count > 4 * this.capacity) {
      throw new RangeError(`${count} bytes do not fit a channel of ${4 * this.capacity}`);
    }
    return new Uint8Array(this.buffer, DATA_BYTE, count);
  }

  /** Main side: marks the request as sent and unanswered. */
  open(): void {
    Atomics.store(this.#flags, STATE, PENDING);
  }

  /**
   * Main side: blocks until the worker answers and returns the loss value; throws the
   * worker's error, or a timeout error when no answer comes within `timeoutMs`.
   */
  await(timeoutMs: number): number {
    if (Atomics.wait(this.#flags, STATE, PENDING, timeoutMs) === "timed-out") {
      throw new Error(`a gradient worker gave no answer within ${timeoutMs / 1000} s`);
    }
    const failure = this.failure();
    if (failure !== undefined) throw new Error(`gradient worker: ${failure}`);
    return new Float64Array(this.buffer, VALUE_BYTE, 1)[0];
  }

  /** Worker side: the gradient is in data(); stores the value and wakes the main thread. */
  finish(value: number): void {
    new Float64Array(this.buffer, VALUE_BYTE, 1)[0] = value;
    this.#settle(DONE);
  }

  /** Worker side: reports a failure (its message, cut to fit) and wakes the main thread. */
  fail(message: string): void {
    this.#writeError(message);
    this.#settle(FAILED);
  }

  /**
   * Fails the request only if it is still unanswered (a worker's supervisor, when the
   * worker died): an answer that got in first is kept. Returns whether it failed it.
   */
  failIfPending(message: string): boolean {
    if (Atomics.load(this.#flags, STATE) !== PENDING) return false;
    this.#writeError(message);
    if (Atomics.compareExchange(this.#flags, STATE, PENDING, FAILED) !== PENDING) return false;
    Atomics.notify(this.#flags, STATE);
    return true;
  }

  /** Whether the request is sent and not yet answered. */
  get pending(): boolean {
    return Atomics.load(this.#flags, STATE) === PENDING;
  }

  /** The failure's message once the request failed, without waiting; else undefined. */
  failure(): string | undefined {
    if (Atomics.load(this.#flags, STATE) !== FAILED) return undefined;
    const length = Atomics.load(this.#flags, ERROR_LENGTH);
    return new TextDecoder().decode(new Uint8Array(this.buffer, ERROR_BYTE, length).slice());
  }

  #writeError(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
    new Uint8Array(this.buffer, ERROR_BYTE, bytes.length).set(bytes);
    Atomics.store(this.#flags, ERROR_LENGTH, bytes.length);
  }

  #settle(state: number): void {
    Atomics.store(this.#flags, STATE, state);
    Atomics.notify(this.#flags, STATE);
  }
}
