/**
 * Inhibition (Alertmanager's `inhibit/inhibit.go`): a target alert is muted while a firing
 * source alert of the same rule has equal values for the rule's `equal` labels (a missing
 * label equals ""). An alert matching both sides of a rule cannot be inhibited by alerts
 * that also match both sides (itself included), so two such alerts never mute each other.
 */
import { matchesAll } from '../model/matcher.js';
import { labelValue, type Labels } from '../model/labels.js';
import type { AlertStore } from './alerts.js';
import { isResolved, type Alert, type InhibitRule } from './types.js';

interface RuleState {
  readonly rule: InhibitRule;
  /** Alerts matching the source side, by fingerprint (Alertmanager's `scache`). */
  readonly sources: Map<string, Alert>;
}

/** Inhibition for one tenant and configuration; rebuilt on reload. */
export class Inhibitor {
  private readonly rules: RuleState[];
  private readonly unsubscribe: () => void;

  constructor(rules: readonly InhibitRule[], store: AlertStore) {
    this.rules = rules.map((rule) => ({ rule, sources: new Map() }));
    this.unsubscribe = store.subscribe((a) => {
      for (const r of this.rules) {
        if (matchesAll(a.labels, r.rule.sourceMatchers)) r.sources.set(a.fingerprint, a);
        else r.sources.delete(a.fingerprint);
      }
    });
  }

  /**
   * The fingerprint of an alert inhibiting `labels` at `nowMs` (the first found, by the
   * first rule that mutes, as Alertmanager reports one), or undefined.
   */
  inhibitedBy(labels: Labels, nowMs: number): string | undefined {
    for (const { rule, sources } of this.rules) {
      if (!matchesAll(labels, rule.targetMatchers)) continue;
      const excludeTwoSided = matchesAll(labels, rule.sourceMatchers);
      for (const s of sources.values()) {
        // The source cache may hold resolved alerts until GC.
        if (isResolved(s, nowMs)) continue;
        if (!rule.equal.every((n) => labelValue(s.labels, n) === labelValue(labels, n))) continue;
        if (excludeTwoSided && matchesAll(s.labels, rule.targetMatchers)) continue;
        return s.fingerprint;
      }
    }
    return undefined;
  }

  /** Drops resolved alerts collected by GC from the source caches. */
  forget(fingerprints: readonly string[]): void {
    for (const r of this.rules) for (const fp of fingerprints) r.sources.delete(fp);
  }

  /** Stops listening to the store. */
  close(): void {
    this.unsubscribe();
  }
}
