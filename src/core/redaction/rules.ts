/**
 * Runsheet's own secret rules, beside secretlint's recommended preset.
 *
 * secretlint finds tokens by their prefixes (ghp_, xoxb-, sk_live_, …) and a few
 * shapes (private keys, database URLs), and that is what it is made for. What a
 * runbook's commands and their output leak most is not tokens but credentials in
 * shell and config syntax: `PGPASSWORD=…`, `--password …`, `curl -u user:…`,
 * `mysql -p'…'`, `password: …` in YAML, `Authorization: Bearer …`, a password in
 * a `redis://` URL, and AWS key ids (which secretlint only reports beside a secret
 * key, and whose secret key it reports from the key's name, so its last
 * characters were left in clear). No well-kept detector covers shell syntax (the
 * ones that do, like gitleaks or detect-secrets, are Go or Python programs, not
 * libraries this process can call), so the rules are a table here: each a pattern
 * whose `secret` group is what gets masked (the name before it stays readable),
 * and a check that tells a value from a placeholder or a word.
 *
 * Every pattern is linear: no nested quantifiers, bounded repetitions, so hostile
 * output cannot make matching slow.
 */

export interface SecretRule {
  /** Shown in the marker: `[REDACTED: password]`. */
  name: string;
  /** Global and with indices (`dg`); the `secret` group, or the whole match, is masked. */
  pattern: RegExp;
  /** Whether what matched is a secret (not a placeholder, a variable, a word of prose). */
  valid?: (secret: string, match: RegExpExecArray) => boolean;
}

/**
 * Names that hold secrets when something is assigned to them: a key ending in one
 * of these (PGPASSWORD, db_password, client_secret, GITHUB_TOKEN, apiKey, X-Api-Key).
 */
const KEYWORD =
  '(?:password|passwd|passphrase|pwd|pass|pw|secret|secret[_-]?key|secret_key_base|token|api[_-]?key|access[ _-]?key|account[_-]?key|shared[_-]?access[_-]?key|auth[_-]?key|auth|private[_-]?key|credentials?|storepass|keypass)';

/**
 * Short names are secrets only as a whole name or after a separator (`pass=`, `DB_PW=`,
 * `MYSQL_PWD=`): `bypass=`, `compass:` and `PWD=/home/ops` (a path) are not.
 */
function strongKey(key: string): boolean {
  const short = /(pass|pwd|pw)$/i.exec(key);
  if (!short || /(?:store|key)pass$/i.test(key)) return true;
  const before = key[short.index - 1];
  return before === undefined || !/[a-z0-9]/i.test(before);
}

/** Values that are not secrets: variables, templates, placeholders, masks, flags. */
const PLACEHOLDER = new RegExp(
  [
    '^\\$\\{?\\{', // ${{ secrets.X }}
    '^\\$[{(]?[A-Za-z_]', // $VAR, ${VAR}, $(cmd)
    '^%[({]', // %(name)s, %{name}
    '^\\{\\{', // {{ template }}
    '^<[^>]*>?$', // <password>
    '^\\[', // [REDACTED …], [hidden]
    '^[*•x.#-]{3,}$', // ****, xxxx, ..., ----
    '^~$', // YAML's null
    '^(?:true|false|null|nil|none|yes|no|on|off|undefined|required|optional|prompt|stdin|env|file|string|hidden|redacted|changeme|change_?me_?here|example|admin|password|secret|token)$',
    '^!{1,2}[a-z]', // a YAML tag: !vault |
    '^your[_-]', // YOUR_API_KEY
    // A path (--password-file is another key; a value that is a path is not a secret), but
    // not base64 that happens to begin with `/`: no `+` or `=`, no segment over 64 chars.
    '^[~.]?(?:/[\\w.-]{1,64})+/?$',
  ].join('|'),
  'i',
);

/** AWS's documented example keys end in EXAMPLE, EXAMPLEKEY (in capitals). */
const EXAMPLE_KEY = /EXAMPLE(?:KEY)?$/;

/** What a sentence has after a word: a `key: value` followed by more words is prose. */
const PROSE_AFTER = /^[ \t]+[A-Za-z][a-z]/;

/** Words that follow "password:" in messages rather than a password. */
const MESSAGE_WORDS = new Set(
  [
    'password',
    'passwords',
    'updated',
    'changed',
    'expired',
    'incorrect',
    'invalid',
    'wrong',
    'set',
    'unset',
    'ok',
    'error',
    'failed',
    'denied',
    'accepted',
    'authentication',
    'not',
  ].map((w) => w.toLowerCase()),
);

function notPlaceholder(value: string): boolean {
  return value.length >= 1 && !PLACEHOLDER.test(value) && !EXAMPLE_KEY.test(value);
}

/**
 * A `name: word more words` is a sentence ("passwd: password updated successfully",
 * "WARNING! Using --password via the CLI"): a value in lower-case letters only, followed
 * by another word. A value with digits, capitals or signs is a value whatever follows.
 */
function prose(value: string, m: RegExpExecArray): boolean {
  if (MESSAGE_WORDS.has(value.toLowerCase())) return true;
  if (!/^[a-z]+$/.test(value)) return false;
  const after = m.input.slice(m.index + m[0].length, m.index + m[0].length + 3);
  return PROSE_AFTER.test(after);
}

/**
 * A quoted value (the quotes stay; the other quote and escaped quotes may be inside),
 * or a bare word up to whitespace, a quote or a list's delimiter (`;` `&` `,`). Up to
 * 8 kB: AWS session tokens are about 1 kB.
 */
const VALUE =
  '(?:(?<q>\\\\?["\'])(?<quoted>(?:\\\\.|(?!\\k<q>)[^\\n\\\\]){1,8192})\\k<q>|(?<bare>[^\\s"\'`,;&\\\\]{1,8192}))';

/** The secret of a VALUE match: the quoted or the bare part. */
function valueOf(m: RegExpExecArray): string {
  return m.groups?.quoted ?? m.groups?.bare ?? '';
}

function group(m: RegExpExecArray): [number, number] {
  const name = m.groups?.quoted !== undefined ? 'quoted' : 'bare';
  return m.indices!.groups![name]!;
}

/** A rule whose value is a VALUE: the quoted or bare part is masked. */
function valueRule(
  name: string,
  source: string,
  valid: (value: string, m: RegExpExecArray) => boolean = notPlaceholder,
): SecretRule & { span: (m: RegExpExecArray) => [number, number] } {
  return {
    name,
    pattern: new RegExp(source, 'dgi'),
    valid: (_, m) => valid(valueOf(m), m),
    span: group,
  };
}

function isBasicCredential(value: string): boolean {
  // Basic credentials are base64 of `user:password`: a word after "Basic" that is not one is prose.
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded);
}

function looksLikeToken(value: string): boolean {
  return (
    notPlaceholder(value) &&
    (/\d/.test(value) || (value.length >= 20 && /[A-Z]/.test(value) && /[a-z]/.test(value)))
  );
}

type Rule =
  | (SecretRule & { span?: (m: RegExpExecArray) => [number, number]; find?: undefined })
  | { name: string; find: (text: string) => Array<[number, number]> };

const KEY_OPEN = /-----BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?)-----/g;
const KEY_BODY = /(?:(?:\r?\n|\\r?\\n)[A-Za-z0-9+/=:,\- ]{1,128}){1,1024}/y;

/**
 * Private key blocks, from BEGIN to END; one cut off (its END not there yet, or lost)
 * to the end of its base64 lines. Each kind's END is searched for once, not once a BEGIN.
 */
function privateKeys(text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const ends = new Map<string, number>();
  KEY_OPEN.lastIndex = 0;
  for (let m = KEY_OPEN.exec(text); m; m = KEY_OPEN.exec(text)) {
    const marker = `-----END ${m[1]}-----`;
    let end = ends.get(marker);
    if (end === undefined || (end >= 0 && end < m.index)) {
      end = text.indexOf(marker, m.index);
      ends.set(marker, end);
    }
    let stop: number;
    if (end >= 0 && end - m.index <= 65536) stop = end + marker.length;
    else {
      KEY_BODY.lastIndex = m.index + m[0].length;
      stop = KEY_BODY.exec(text) ? KEY_BODY.lastIndex : m.index + m[0].length;
    }
    found.push([m.index, stop]);
    KEY_OPEN.lastIndex = stop;
  }
  return found;
}

export const SECRET_RULES: Rule[] = [
  {
    // AWS access key ids (the secret key's partner; alone, they still name the account).
    name: 'aws-access-key-id',
    pattern:
      /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/dg,
    valid: (key) => !key.includes('EXAMPLE'),
  },
  valueRule(
    'aws-secret-access-key',
    `(?:aws_?secret_?access_?key|aws_?secret_?key|secret[ _]?access[ _]?key)\\\\?["']?[ \\t]*(?:=|:|=>|[ \\t])[ \\t]*(?:(?<q>\\\\?["'])(?<quoted>[A-Za-z0-9/+]{40})\\k<q>|(?<bare>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=]))`,
    (value) => !value.includes('EXAMPLE'),
  ),
  {
    // A JSON Web Token: base64url header and claims (both JSON objects, so both begin eyJ), signature.
    name: 'jwt',
    pattern:
      /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{0,1024}/dg,
  },
  { name: 'privatekey', find: privateKeys },
  valueRule(
    'authorization',
    // Authorization: Bearer …, Authorization: token …, "authorization":"Basic …"
    `(?<![A-Za-z0-9])(?:proxy-)?authorization\\\\?["']?[ \\t]*(?:=|:)[ \\t]*(?:(?<q>\\\\?["'])(?:[A-Za-z-]{2,16}[ \\t]+)?(?<quoted>[^"'\\s\\\\]{6,4096})\\k<q>|(?:[A-Za-z-]{2,16}[ \\t]+)?(?<bare>[^\\s"'\\\\]{6,4096}))`,
    // The scheme's name is not the credential ("Authorization: Bearer $(cat …)").
    (value) =>
      notPlaceholder(value) &&
      !/^(?:bearer|basic|token|digest|negotiate|ntlm|apikey)$/i.test(value),
  ),
  {
    name: 'bearer',
    pattern: /(?<![A-Za-z0-9])[Bb]earer[ \t]+(?<secret>[A-Za-z0-9._~+/-]{12,4096}=*)/dg,
    valid: looksLikeToken,
  },
  {
    name: 'basic-auth',
    pattern:
      /(?<![A-Za-z0-9])Basic[ \t]+(?<secret>[A-Za-z0-9+/]{8,4096}={0,2})(?![A-Za-z0-9+/=])/dg,
    valid: isBasicCredential,
  },
  {
    // user:password@ in a URL of any scheme (redis, amqp, mongodb+srv, ftp, https, …).
    name: 'url-credentials',
    pattern:
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,31}:(?:\/\/|\\\/\\\/)[^\s:@/'"`<>\\]{0,256}:(?<secret>[^\s/'"`<>\\]{1,512})@(?=[A-Za-z0-9[])/dg,
    valid: notPlaceholder,
  },
  {
    // A token as a URL's user, with no password: https://<token>@github.com/…
    name: 'url-credentials',
    pattern:
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,31}:\/\/(?<secret>[A-Za-z0-9_-]{20,256})@(?=[A-Za-z0-9[])/dg,
    valid: (user) => /\d/.test(user) && /[A-Za-z]/.test(user),
  },
  valueRule(
    'credential',
    // key=value, key: value, "key": "value", KEY => 'value', key%3Dvalue (URL-escaped).
    `(?<![A-Za-z0-9])(?<key>[A-Za-z0-9_.-]{0,64}?${KEYWORD})\\\\?["']?[ \\t]*(?<sep>=>|:=|\\?=|=|:|%3[DdAa])[ \\t]*${VALUE}`,
    (value, m) => {
      const key = m.groups!.key!;
      if (!notPlaceholder(value) || !strongKey(key)) return false;
      // `auth: ldap` names a method; `"auth": "dXNlcjpwYXNz"` (a registry's config) is a credential.
      if (/auth$/i.test(key) && value.length < 12) return false;
      // Counts and sizes (token=3600, max_token=4096) are not secrets; passwords of digits are.
      if (/^\d{1,6}$/.test(value) && !/pass(?:word|wd|phrase)|pw|pin/i.test(key)) return false;
      if (m.groups!.bare !== undefined && prose(value, m)) return false;
      return true;
    },
  ),
  valueRule(
    'credential',
    // --password x, --db-password=x, -storepass x, --token x, --client-secret x
    `(?<![^\\s'"])--?(?:[A-Za-z0-9]{1,32}-){0,4}(?:password|passwd|passphrase|pass|token|secret|api-?key|access-key|secret-key|storepass|keypass|srcstorepass|deststorepass)(?<sep>=|[ \\t]+)(?!-)${VALUE}`,
    (value, m) => {
      if (!notPlaceholder(value)) return false;
      // mysql's --password takes its value only after `=`: the next word is the database.
      if (m.groups!.sep !== '=') {
        if (m.groups!.bare !== undefined && prose(value, m)) return false;
        const line = m.input.slice(m.input.lastIndexOf('\n', m.index) + 1, m.index);
        if (/(?<![A-Za-z0-9-])mysql/.test(line)) return false;
      }
      return true;
    },
  ),
  {
    // <password>…</password>, <db.password>…</db.password> in XML configuration.
    name: 'credential',
    pattern: new RegExp(
      `<(?<tag>[A-Za-z0-9_.:-]{0,64}?${KEYWORD})>(?<secret>[^<\\n]{1,512})</\\k<tag>>`,
      'dgi',
    ),
    valid: notPlaceholder,
  },
  valueRule(
    'credential',
    // A Kubernetes env entry: `- name: DB_PASSWORD` then `value: …` on the next line.
    `(?<![A-Za-z0-9])name:[ \\t]*["']?[A-Za-z0-9_.-]{0,64}?${KEYWORD}["']?[ \\t]*\\r?\\n[ \\t]*value:[ \\t]*${VALUE}`,
  ),
  valueRule(
    'password',
    // htpasswd -b FILE USER PASSWORD (-b: the password on the command line)
    `(?<![A-Za-z0-9-])htpasswd(?:[ \\t]+-[A-Za-z]+){0,4}?[ \\t]+-[A-Za-z]*b[A-Za-z]*(?:[ \\t]+-[A-Za-z]+){0,4}[ \\t]+[^\\s]{1,256}[ \\t]+[^\\s]{1,128}[ \\t]+${VALUE}`,
  ),
  valueRule(
    'password',
    // A client's password flag: docker/podman/helm/az/oc login -p …, openssl enc -k …
    `(?:(?<![A-Za-z0-9-])(?:docker|podman|nerdctl|skopeo|buildah|oc|az|helm(?:[ \\t]+registry)?)[ \\t]+login(?![A-Za-z0-9-])[^\\n]{0,512}?[ \\t](?:-p|--password)(?:=|[ \\t]+)(?!-)|(?<![A-Za-z0-9-])openssl(?![A-Za-z0-9-])[^\\n]{0,512}?[ \\t]-k[ \\t]+)${VALUE}`,
  ),
  valueRule(
    'password',
    // smbclient -U user%password, rabbitmqctl add_user|change_password USER PASSWORD
    `(?:(?<![A-Za-z0-9-])(?:smbclient|rpcclient|smbmap|mount\\.cifs)(?![A-Za-z0-9-])[^\\n]{0,512}?[ \\t](?:-U|--user(?:name)?)[ \\t=]*["']?[^\\s%"']{1,128}%|(?<![A-Za-z0-9-])rabbitmqctl[ \\t]+(?:add_user|change_password)[ \\t]+[^\\s]{1,128}[ \\t]+)${VALUE}`,
  ),
  valueRule(
    'password',
    // .netrc: machine HOST login USER password SECRET (one line)
    `(?<![A-Za-z0-9])(?:machine[ \\t]+[^\\s]{1,256}|default)(?:[ \\t]+(?:login|account)[ \\t]+[^\\s]{1,256}){0,2}[ \\t]+password[ \\t]+${VALUE}`,
  ),
  {
    // .pgpass: host:port:database:user:password
    name: 'password',
    pattern:
      /(?<![^\n"'])[^\s:#"']{1,253}:(?:\d{1,5}|\*):[^\s:"']{1,128}:[^\s:"']{1,128}:(?<secret>[^\s"'\\]{1,1024})(?=$|["'\\])/dgm,
    valid: notPlaceholder,
  },
  valueRule(
    'credential',
    // Dockerfile: ENV DB_PASSWORD value (no `=`)
    `(?<![^\\s"'])ENV[ \\t]+[A-Za-z0-9_]{0,64}?${KEYWORD}[ \\t]+${VALUE}`,
  ),
  {
    // A session cookie (its value is a login): Cookie: / Set-Cookie: session=…, sid=…, JSESSIONID=…
    name: 'session-cookie',
    pattern:
      /(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9_.-]{0,32}(?:session|sess|sid|remember_token|auth_token)[A-Za-z0-9_.-]{0,32})=(?<secret>[^;\s"',]{8,4096})/dgi,
    valid: (value, m) =>
      /cookie/i.test(m.input.slice(Math.max(0, m.input.lastIndexOf('\n', m.index) + 1), m.index)) &&
      notPlaceholder(value) &&
      /\d/.test(value),
  },
  {
    name: 'webhook',
    pattern:
      /https:\/\/(?:discord(?:app)?\.com\/api\/webhooks\/\d{5,32}|hooks\.slack\.com\/(?:services|workflows)(?:\/[A-Za-z0-9]{6,32}){2})\/(?<secret>[A-Za-z0-9_-]{16,128})/dg,
  },
  {
    // Google API keys; Vault tokens (hvs., hvb., and the older s.); an Azure SAS signature.
    name: 'token',
    pattern:
      /(?<![A-Za-z0-9_-])(?:AIza[0-9A-Za-z_-]{35}|hv[sbr]\.[A-Za-z0-9_-]{24,512})(?![A-Za-z0-9_-])|[?&]sig=(?<secret>[A-Za-z0-9%+/=_-]{16,512})/dg,
  },
  valueRule(
    'password',
    // mysql -p'…' (the password joined to the flag; `-p` alone asks for it).
    `(?<![A-Za-z0-9-])mysql(?:dump|admin|import|show|check|slap|binlog|sh)?(?![A-Za-z0-9-])[^\\n]{0,512}?[ \\t]-p(?:(?<q>\\\\?["'])(?<quoted>[^"'\\n\\\\]{1,256})\\k<q>|(?<bare>[^\\s"'\\\\]{1,256}))`,
  ),
  valueRule(
    'password',
    // sshpass -p …, redis-cli -a …, openssl … pass:…
    `(?:(?<![A-Za-z0-9-])sshpass(?![A-Za-z0-9-])[^\\n]{0,256}?[ \\t]-p[ \\t]*|(?<![A-Za-z0-9-])redis-cli(?![A-Za-z0-9-])[^\\n]{0,512}?[ \\t]-a[ \\t]+|(?<=[ \\t])pass:(?=[^\\s]))${VALUE}`,
  ),
  valueRule(
    'password',
    // curl -u user:password, curl --user user:password, curl -U proxyuser:password
    `(?<![A-Za-z0-9-])curl(?![A-Za-z0-9-])[^\\n]{0,1024}?[ \\t](?:-u|-U|--user|--proxy-user)(?:=|[ \\t]*)(?<q0>\\\\?["']?)[^\\s:"'\\\\]{0,128}:${VALUE}`,
  ),
];

export interface RuleMatch {
  start: number;
  end: number;
  rule: string;
}

/** Every secret the rules find in `text`. */
export function ruleMatches(text: string): RuleMatch[] {
  const found: RuleMatch[] = [];
  for (const rule of SECRET_RULES) {
    if (rule.find) {
      for (const [start, end] of rule.find(text)) found.push({ start, end, rule: rule.name });
      continue;
    }
    rule.pattern.lastIndex = 0;
    for (let m = rule.pattern.exec(text); m; m = rule.pattern.exec(text)) {
      if (m[0].length === 0) {
        rule.pattern.lastIndex++;
        continue;
      }
      const [start, end] = rule.span ? rule.span(m) : (m.indices!.groups?.secret ?? m.indices![0]!);
      const secret = text.slice(start, end);
      if (rule.valid && !rule.valid(secret, m)) {
        // Try again just after where this match began: a later, real one may overlap it.
        rule.pattern.lastIndex = m.index + 1;
        continue;
      }
      found.push({ start, end, rule: rule.name });
    }
  }
  return found;
}

/**
 * Where the rules may match: a line holding one of these words is looked at (and
 * held back while it is still arriving, so a value split between two chunks of
 * output is seen whole).
 */
export const RULE_TRIGGER =
  /pass(?:w|phrase|\b|:)|pwd|secret|token|bearer|basic |api.?key|access.?key|credential|-----BEGIN|eyJ|curl|mysql|redis-cli|storepass|keypass|auth|machine|default|login|pw=|pw:|_pw|docker|podman|helm|openssl|smbclient|rabbitmqctl|cookie|webhook|AIza|hv[sbr]\.|sig=|ENV |:(?:\d{1,5}|\*):|%[0-9A-F]{2}|\\["/nu]|AKIA|ASIA|A3T|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA|:\/\/|:\\\/\\\//i;

/** A line naming a secret whose value comes on the next line (a Kubernetes env entry). */
export const NAME_LINE = new RegExp(
  `name:[ \\t]*["']?[A-Za-z0-9_.-]{0,64}?${KEYWORD}["']?[ \\t]*\\r?$`,
  'i',
);

/**
 * Secrets written base64-encoded (a Kubernetes Secret's data, a Basic header, an
 * `echo … | base64` in a step): the encoded forms of the words the rules look for,
 * at each of the three byte alignments a word can have inside an encoding. A run of
 * base64 holding one is decoded and looked at; if the decoded text has a secret,
 * the whole run is masked.
 */
const ENCODED_WORDS = [
  'pass',
  'PASS',
  'Pass',
  '_PWD',
  '_pwd',
  'secret',
  'SECRET',
  'Secret',
  'token',
  'TOKEN',
  'Token',
  '_key',
  '_KEY',
  'apiKey',
  'ApiKey',
  'auth',
  'Auth',
  'AUTH',
  'credential',
  'Bearer',
  'bearer',
  'Basic',
  'PRIVATE',
  'mysql',
  'curl',
  'redis',
  'AKIA',
  'ASIA',
  'ghp_',
  'xoxb',
  'xoxp',
  'p://',
  's://',
  'l://',
  'v://',
  'b://',
  'login',
  'Cookie',
  'cookie',
  'ESSION',
  'ession',
  'smbclient',
  'openssl',
  'rabbitmq',
  'AIza',
  '_PW',
  'Key=',
  '*:*:',
  'postgres',
  'eyJhbGci',
  'eyJ0eXAi',
];

function signatures(word: string): string[] {
  const bytes = Buffer.from(word, 'latin1');
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    // The characters whose six bits all come from the word, not from what is around it.
    const sig = encoded.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + bytes.length)) / 6));
    if (sig.length >= 4) out.push(sig, sig.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

export const ENCODED_TRIGGER = new RegExp(
  [...new Set(ENCODED_WORDS.flatMap(signatures))]
    .map((s) => s.replace(/[+/]/g, (c) => `\\${c}`))
    .join('|'),
  'g',
);

const BASE64_CHAR = /[A-Za-z0-9+/_-]/;

/** A run of base64 is not longer than this (a key block encoded whole is ~4 kB). */
const RUN_REACH = 64 * 1024;

type Run = { start: number; end: number; decoded: string };

/**
 * Runs of base64 (or base64url) in `text` that hold the encoded form of a rule's word.
 * Each position is looked at once: a run, taken or not, is not expanded again for the
 * triggers inside it.
 */
export function encodedRuns(text: string): Run[] {
  const runs: Run[] = [];
  let reached = 0;
  ENCODED_TRIGGER.lastIndex = 0;
  for (const m of text.matchAll(ENCODED_TRIGGER)) {
    if (m.index < reached) continue;
    let start = m.index;
    while (start > reached && m.index - start < RUN_REACH && BASE64_CHAR.test(text[start - 1]!))
      start--;
    let end = m.index + m[0].length;
    while (end < text.length && end - start < RUN_REACH && BASE64_CHAR.test(text[end]!)) end++;
    while (end < text.length && text[end] === '=' && end - start < RUN_REACH) end++;
    reached = end;
    const run = text.slice(start, end);
    if (run.length < 8) continue;
    const decoded = Buffer.from(run, /[-_]/.test(run) ? 'base64url' : 'base64').toString('latin1');
    // Printable text, or it is not an encoded secret (binary data, a hash).
    let printable = 0;
    for (let i = 0; i < decoded.length; i++) {
      const c = decoded.charCodeAt(i);
      if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
    }
    if (printable < decoded.length * 0.95) continue;
    runs.push({ start, end, decoded });
  }
  return runs;
}

/** Where a URL-escaped run stops: whitespace, quotes, and the delimiters of a query. */
const URL_STOP = /[\s"<>&?=]/;

/**
 * Text that is another text escaped: URL-escaped runs (a query parameter's value, a
 * form field) and JSON string literals with escapes (a log line's message holding a
 * command or a key block), each with what it decodes to. (The inside of a JSON
 * literal: its quotes stay.) Both scans go forward only: linear in the text.
 */
export function escapedRuns(text: string): Run[] {
  const runs: Run[] = [];
  const percent = /%[0-9A-Fa-f]{2}/g;
  let reached = 0;
  for (const m of text.matchAll(percent)) {
    if (m.index < reached) continue;
    let start = m.index;
    while (start > reached && m.index - start < 4096 && !URL_STOP.test(text[start - 1]!)) start--;
    let end = m.index + 3;
    while (end < text.length && end - start < 8192 && !URL_STOP.test(text[end]!)) end++;
    reached = end;
    // Too short to hold a name and its value (`%41`, a lone space escaped).
    if (end - start < 8) continue;
    try {
      runs.push({
        start,
        end,
        decoded: decodeURIComponent(text.slice(start, end).replace(/\+/g, ' ')),
      });
    } catch {
      // Not valid escaping (a lone %): nothing hidden in it.
    }
  }
  for (let open = text.indexOf('"'); open >= 0 && open < text.length;) {
    let i = open + 1;
    let escaped = false;
    while (i < text.length && i - open < 16384) {
      const c = text[i]!;
      if (c === '\\') {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === '"' || c === '\n') break;
      i++;
    }
    if (text[i] === '"' && escaped) {
      try {
        runs.push({
          start: open + 1,
          end: i,
          decoded: JSON.parse(text.slice(open, i + 1)) as string,
        });
      } catch {
        // Not a JSON string after all.
      }
    }
    // On from the closing quote (it may open the next literal only if this one failed).
    open = text.indexOf('"', text[i] === '"' ? i + 1 : i);
  }
  return runs;
}
