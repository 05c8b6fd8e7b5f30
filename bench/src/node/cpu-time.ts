import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system, all threads) used by the processes of a process group — the target started in its own
 * group, with anything it spawned — read from /proc; undefined where /proc is missing.
 */
export function groupCpuSeconds(groupId: number | undefined): number | undefined {
  if (groupId === undefined) return undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  let found = false;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // After the command name (which may hold spaces, hence the last ')'): state, ppid, pgrp, … utime (12th), stime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== groupId) continue;
    found = true;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  // Linux's USER_HZ is 100 on every architecture node runs on.
  return found ? ticks / 100 : undefined;
}

/** This process's CPU seconds (the load generator's). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The machine's cumulative CPU time by kind, in ticks, from the `cpu` line of /proc/stat (all CPUs together). */
export interface MachineTicks {
  /** user, nice, system, irq and softirq: work done by this machine's processes and kernel. */
  readonly busy: number;
  /** idle and iowait. */
  readonly idle: number;
  /** Time the hypervisor gave this machine's virtual CPUs to other guests while they had work. */
  readonly steal: number;
}

/** How the machine's CPU time was spent between two readings, in percent of the total (one decimal). */
export interface MachineShares {
  readonly busyPercent: number;
  readonly idlePercent: number;
  readonly stealPercent: number;
}

/**
 * The aggregate `cpu` line of /proc/stat ("cpu  user nice system idle iowait irq softirq steal guest guest_nice"),
 * or undefined when `text` has none. Kernels before 2.6.11 have no steal field: it counts as 0.
 */
export function parseMachineTicks(text: string): MachineTicks | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isSafeInteger(n) || n < 0)) return undefined;
  const at = (i: number) => fields[i] ?? 0;
  // guest and guest_nice are already counted in user and nice.
  return { busy: at(0) + at(1) + at(2) + at(5) + at(6), idle: at(3) + at(4), steal: at(7) };
}

/** This machine's CPU ticks now; undefined where /proc/stat is missing or unreadable. */
export function machineTicks(): MachineTicks | undefined {
  try {
    return parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The shares of busy, idle and stolen time between two readings; undefined when no tick passed. Steal is the part
 * of a run that neither the node nor the load generator could use, whoever was measured: on a shared virtual machine
 * it varies from run to run, and figures of runs with much of it are not comparable with those of runs without.
 */
export function machineShares(before: MachineTicks, after: MachineTicks): MachineShares | undefined {
  const busy = after.busy - before.busy;
  const idle = after.idle - before.idle;
  const steal = after.steal - before.steal;
  const total = busy + idle + steal;
  if (total <= 0) return undefined;
  const percent = (ticks: number) => Math.round((ticks * 1000) / total) / 10;
  return { busyPercent: percent(busy), idlePercent: percent(idle), stealPercent: percent(steal) };
}
