/**
 * How a violation reads on a terminal: one header line (id, kind, workload, op, crash point,
 * state) and the first lines of its detail. Long line lists in a choice are shortened; the
 * database and --json keep them whole.
 */
import type { Violation } from '../../crash/index.js';

const CHOICE_MAX = 100;
const DETAIL_LINES = 6;

export function shortChoice(choice: string): string {
  return choice.length <= CHOICE_MAX ? choice : `${choice.slice(0, CHOICE_MAX - 1)}…`;
}

export function violationLines(v: Violation, id?: number): string[] {
  const where = v.pointOrdinal < 0 ? 'without a crash' : `${v.pointKind} point ${v.pointOrdinal} (trace event ${v.eventIndex})`;
  const more = v.equivalents > 0 ? ` (+${v.equivalents} equivalent state${v.equivalents === 1 ? '' : 's'})` : '';
  const head = `${id === undefined ? '' : `#${id} `}[${v.kind}] ${v.workload}: op ${v.op} \`${v.opText.slice(0, 60)}\`, ${where}, state '${shortChoice(v.choice)}'${more}`;
  const detail = v.detail.slice(0, DETAIL_LINES).map((l) => `    ${l.length > 160 ? `${l.slice(0, 159)}…` : l}`);
  if (v.detail.length > DETAIL_LINES) detail.push(`    ... ${v.detail.length - DETAIL_LINES} more line(s)`);
  return [head, ...detail];
}
