/**
 * `completion bash|zsh`: the shell completion script, made from the command table (so a new
 * command or option completes without touching this file). Service names are completed by
 * asking the supervisor (`services -q`, with the `--url`, `--token-file` and `--data-dir`
 * already typed); nothing is completed when it cannot be reached.
 */
import { createTranslator, type Translate } from '../../../shared/locales/translate';
import {
  CLIENT_COMMANDS,
  COMPLETION_SHELLS,
  CONNECTION_OPTIONS,
  connects,
  type CommandSpec,
  type OptionSpec,
} from '../commands';
import { EXIT } from '../errors';
import { messagesOf, type CommandContext } from './context';

/** Every option word of a command (`--json`, `-f`, `--follow`…). */
function optionWords(command: CommandSpec): string[] {
  const specs = {
    ...command.options,
    ...(connects(command) ? CONNECTION_OPTIONS : {}),
    help: { type: 'boolean', short: 'h', doc: '' },
  };
  return Object.entries(specs).flatMap(([name, spec]) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]);
}

/** Option words that take a value, for `$prev`. */
function valueWords(): string[] {
  const words = new Set<string>(['--settings', '--stack', '--control-host', '--control-port']);
  for (const c of CLIENT_COMMANDS) {
    for (const [name, spec] of Object.entries({ ...c.options, ...CONNECTION_OPTIONS })) {
      if (spec.type !== 'string') continue;
      words.add(`--${name}`);
      if (spec.short) words.add(`-${spec.short}`);
    }
  }
  return [...words];
}

/** serve's options for zsh: the option, its description's locale key, its value's spec. */
const SERVE_OPTIONS: readonly (readonly [string, string, string])[] = [
  ['--control-host', 'cli.complete.controlHost', ':host:'],
  ['--control-port', 'cli.complete.controlPort', ':port:'],
  ['--data-dir', 'cli.complete.dataDir', ':dir:_files -/'],
  ['--settings', 'cli.complete.settings', ':file:_files'],
  ['--stack', 'cli.complete.stack', ':file:_files'],
  ['--no-start', 'cli.complete.noStart', ''],
];

/** The descriptions' language when the caller names none. */
const ENGLISH = createTranslator('en');

const SERVICE_COMMANDS = CLIENT_COMMANDS.filter((c) => c.operand === 'service').map((c) => c.name);
const COMMAND_NAMES = ['serve', ...CLIENT_COMMANDS.map((c) => c.name)];
/** Options whose value is a file or a folder. */
const PATH_OPTIONS = ['--data-dir', '--token-file', '--settings', '--stack'];

/** The bash script: `source <(backend-supervisor completion bash)`. */
export function bashCompletion(): string {
  const cases = CLIENT_COMMANDS.map((c) => `    ${c.name}) opts="${optionWords(c).join(' ')}" ;;`).join('\n');
  return `# bash completion for backend-supervisor
# Load it with: source <(backend-supervisor completion bash)
# or keep it: backend-supervisor completion bash > /etc/bash_completion.d/backend-supervisor
_backend_supervisor_services() {
  local i conn=()
  for ((i = 2; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --url|--token-file|--data-dir) conn+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}") ;;
    esac
  done
  "\${COMP_WORDS[0]}" services -q "\${conn[@]}" 2>/dev/null
}
_backend_supervisor() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd=\${COMP_WORDS[1]} opts=""
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "${COMMAND_NAMES.join(' ')} --help --version" -- "$cur"))
    return
  fi
  case $prev in
    ${PATH_OPTIONS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${valueWords()
      .filter((w) => !PATH_OPTIONS.includes(w))
      .join('|')}) return ;;
  esac
  case $cmd in
${cases}
    serve) opts="--control-host --control-port --data-dir --settings --stack --no-start --help" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case $cmd in
    ${SERVICE_COMMANDS.join('|')}) COMPREPLY=($(compgen -W "$(_backend_supervisor_services)" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "${COMPLETION_SHELLS.join(' ')}" -- "$cur")) ;;
    help) COMPREPLY=($(compgen -W "${COMMAND_NAMES.join(' ')}" -- "$cur")) ;;
  esac
}
complete -F _backend_supervisor backend-supervisor
`;
}

/** A description for zsh: its first clause, without the characters `_arguments` and `_describe` give a meaning. */
function zshDoc(text: string): string {
  return (text.split(/[(;]/)[0] ?? '').trim().replace(/[[\]:'\\]/g, '');
}

/** One `_arguments` spec of an option. */
function zshOption(name: string, spec: OptionSpec, t: Translate): string {
  const value =
    spec.type === 'string'
      ? `:${(spec.value ?? 'value').replace(/[<>]/g, '')}:${name === 'data-dir' ? '_files -/' : PATH_OPTIONS.includes(`--${name}`) ? '_files' : ''}`
      : '';
  const doc = `[${zshDoc(t(spec.doc))}]${value}`;
  return spec.short ? `'(-${spec.short} --${name})'{-${spec.short},--${name}}'${doc}'` : `'--${name}${doc}'`;
}

/**
 * The zsh script: `source <(backend-supervisor completion zsh)`, or saved as `_backend-supervisor`
 * in $fpath; its descriptions in the language of `t` (English by default).
 */
export function zshCompletion(t: Translate = ENGLISH): string {
  const describe = [
    `'serve:${zshDoc(t('cli.help.serve'))}'`,
    ...CLIENT_COMMANDS.map((c) => `'${c.name}:${t(c.summary).replace(/[:'\\]/g, '')}'`),
  ].join(' ');
  const serveOptions = SERVE_OPTIONS.map(([option, key, value]) => `'${option}[${zshDoc(t(key))}]${value}'`).join(' ');
  const operand: Record<string, string> = {
    service: `'1:service:_backend_supervisor_services'`,
    shell: `'1:shell:(${COMPLETION_SHELLS.join(' ')})'`,
    command: `'1:command:(${COMMAND_NAMES.join(' ')})'`,
    none: '',
  };
  const cases = CLIENT_COMMANDS.map((c) => {
    const specs = [
      ...Object.entries({ ...c.options, ...(connects(c) ? CONNECTION_OPTIONS : {}) }).map(([n, s]) =>
        zshOption(n, s, t),
      ),
      operand[c.operand],
    ].filter(Boolean);
    return `    ${c.name}) _arguments ${specs.join(' ')} ;;`;
  }).join('\n');
  return `#compdef backend-supervisor
# zsh completion for backend-supervisor
# Load it with: source <(backend-supervisor completion zsh)
# or keep it: backend-supervisor completion zsh > "\${fpath[1]}/_backend-supervisor"
_backend_supervisor_services() {
  local -a names conn
  local i
  # words is the command's own here (shifted past the program's name; see below).
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      --url|--token-file|--data-dir) conn+=(\${words[i]} \${words[i+1]}) ;;
    esac
  done
  names=(\${(f)"$(\${bsup_program:-backend-supervisor} services -q \${conn[@]} 2>/dev/null)"})
  _describe service names
}
_backend_supervisor() {
  local -a commands
  commands=(${describe})
  if ((CURRENT == 2)); then
    _describe command commands
    return
  fi
  # _arguments below reads the command's own words: the program's name shifted off.
  local bsup_program=\${words[1]} cmd=\${words[2]}
  shift words
  ((CURRENT--))
  case $cmd in
${cases}
    serve) _arguments ${serveOptions} ;;
  esac
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _backend_supervisor "$@"
else
  compdef _backend_supervisor backend-supervisor
fi
`;
}

/** Runs `completion`. */
export async function completion({ io, parsed }: CommandContext): Promise<number> {
  io.out((parsed.operand === 'zsh' ? zshCompletion(messagesOf(io)) : bashCompletion()).trimEnd());
  return EXIT.ok;
}
