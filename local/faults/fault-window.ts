/**
 * A window of simulated time during which something is broken: it opens `afterSeconds` after it is
 * set and lasts `forSeconds`, both in simulated seconds under the twin's time scale (at 100, one
 * simulated second is 10 real ms). Windows are measured on the real clock from when they are set.
 */
export interface FaultWindowSpec {
  /** Simulated seconds from now until the fault starts. @default 0 */
  afterSeconds?: number;
  /** Simulated seconds the fault lasts. */
  forSeconds: number;
}

export class FaultWindow {
  readonly opensAt: number;
  readonly closesAt: number;

  constructor(spec: FaultWindowSpec, timeScale: number, now = Date.now()) {
    const after = spec.afterSeconds ?? 0;
    if (!(after >= 0) || !(spec.forSeconds > 0))
      throw new Error(`a fault window needs afterSeconds >= 0 and forSeconds > 0, got ${after} and ${spec.forSeconds}`);
    this.opensAt = now + (after * 1000) / timeScale;
    this.closesAt = this.opensAt + (spec.forSeconds * 1000) / timeScale;
  }

  isOpen(now = Date.now()): boolean {
    return now >= this.opensAt && now < this.closesAt;
  }

  isOver(now = Date.now()): boolean {
    return now >= this.closesAt;
  }
}
