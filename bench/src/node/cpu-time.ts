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
