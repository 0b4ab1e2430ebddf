/**
 * Background components with a lifecycle. The server starts them in order, reports
 * their states on `/ready`, and stops them in reverse order on shutdown.
 */

/** A component with a start and a stop. `stop()` must be safe to call after a failed start. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** States as dskit's services name them, since `/ready` prints them as Mimir does. */
export type ServiceState = 'New' | 'Starting' | 'Running' | 'Stopping' | 'Terminated' | 'Failed';

/** Starts, tracks and stops a list of services. */
export class ServiceManager {
  private readonly entries: { service: Service; state: ServiceState; failure?: unknown }[] = [];

  add(service: Service): void {
    this.entries.push({ service, state: 'New' });
  }

  /** Starts every service in the order added; the first failure stops the ones started and throws. */
  async startAll(): Promise<void> {
    for (const e of this.entries) {
      e.state = 'Starting';
      try {
        await e.service.start();
        e.state = 'Running';
      } catch (err) {
        e.state = 'Failed';
        e.failure = err;
        await this.stopAll();
        throw err;
      }
    }
  }

  /** Stops the started services in reverse order; errors are collected, not thrown early. */
  async stopAll(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const e of [...this.entries].reverse()) {
      if (e.state !== 'Running' && e.state !== 'Starting' && e.state !== 'Failed') continue;
      const wasFailed = e.state === 'Failed';
      e.state = 'Stopping';
      try {
        await e.service.stop();
        e.state = wasFailed ? 'Failed' : 'Terminated';
      } catch (err) {
        e.state = 'Failed';
        errors.push(err);
      }
    }
    return errors;
  }

  /** True once every service runs. */
  allRunning(): boolean {
    return this.entries.every((e) => e.state === 'Running');
  }

  /** Name and state of each service that is not running, for `/ready`. */
  notRunning(): { name: string; state: ServiceState }[] {
    return this.entries.filter((e) => e.state !== 'Running').map((e) => ({ name: e.service.name, state: e.state }));
  }
}
