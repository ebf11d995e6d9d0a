import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redactUrl } from './redact';

const PACKAGE_NAME = 'n8n-nodes-crm-bridge';
const PROJECT_FOLDER = '.crm-bridge';

/** Where the embedded database's data folder is, and why there (for the line that tells the user). */
export interface HomeChoice {
  home: string;
  why: 'option' | 'environment' | 'project' | 'user';
}

/**
 * A folder is a crm-bridge project when it already holds a `.crm-bridge` data folder (someone ran crm-bridge here
 * before) or it is this package's own checkout (`npm start`). Anywhere else (an MCP client starting the server in
 * `/` or the home folder, a shell in Downloads), data goes to the user's data folder instead of a new hidden folder
 * wherever the command happened to run.
 */
export function isProjectFolder(cwd: string): boolean {
  if (existsSync(path.join(cwd, PROJECT_FOLDER))) return true;
  try {
    return (
      (JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as { name?: unknown }).name === PACKAGE_NAME
    );
  } catch {
    return false;
  }
}

/** The per-user data folder: `$XDG_DATA_HOME/crm-bridge`, `~/.local/share/crm-bridge`, or `%LOCALAPPDATA%\crm-bridge`. */
export function userDataHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local'), 'crm-bridge');
  const base =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(base, 'crm-bridge');
}

/** `--home` wins, then `CRM_BRIDGE_HOME`, then the project's `./.crm-bridge`, then the user's data folder. */
export function chooseHome(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  option?: string,
): HomeChoice {
  if (option) return { home: path.resolve(cwd, option), why: 'option' };
  if (env.CRM_BRIDGE_HOME) return { home: path.resolve(cwd, env.CRM_BRIDGE_HOME), why: 'environment' };
  if (isProjectFolder(cwd)) return { home: path.join(cwd, PROJECT_FOLDER), why: 'project' };
  return { home: userDataHome(env), why: 'user' };
}

const REASONS: Record<HomeChoice['why'], string> = {
  option: '--home',
  environment: 'CRM_BRIDGE_HOME',
  project: 'this folder is a crm-bridge project',
  user: 'your data folder: this folder is not a crm-bridge project',
};

/** Which database a command will use, from its `--db` / `--home` options and the environment, as one line to show. */
export interface DatabaseChoice {
  /** `database: embedded, in /home/ada/.local/share/crm-bridge (…)` or `database: PostgreSQL server postgres://ada@db:5432/crm (DATABASE_URL)`; never a password. */
  description: string;
  /** Chosen by where the command ran, not by an option or a variable: the user may not know, so it is worth saying. */
  implicit: boolean;
}

export function chooseDatabase(
  options: { db?: string; home?: string },
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): DatabaseChoice {
  const url = options.db ?? (env.DATABASE_URL || undefined);
  if (url) {
    const shown = redactUrl(url).replace(/:\*\*\*@/, '@');
    return {
      description: `database: PostgreSQL server ${shown} (${options.db ? '--db' : 'DATABASE_URL'})`,
      implicit: false,
    };
  }
  if (options.home === 'memory://')
    return { description: 'database: embedded, in memory (nothing is kept)', implicit: false };
  const choice = chooseHome(env, cwd, options.home);
  return {
    description: `database: embedded, in ${choice.home} (${REASONS[choice.why]})`,
    implicit: choice.why === 'project' || choice.why === 'user',
  };
}
