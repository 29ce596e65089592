import type { Duplex } from 'node:stream';
import ssh2, {
  type AnyAuthMethod,
  type AuthHandlerMiddleware,
  type AuthenticationType,
  type Client,
  type ConnectConfig,
} from 'ssh2';
import type { AuthQuestion } from '../../shared/model';
import { hostToken } from '../hosts/known-hosts';

/** Where and how to connect; secrets stay in this process (never sent to the renderer). */
export interface SshTarget {
  /** The name the user chose (an ssh_config alias or a host name). */
  alias: string;
  hostname: string;
  port: number;
  user: string;
  privateKey?: Buffer;
  passphrase?: string;
  agent?: string;
  /** Decides about the server's host key before any authentication happens. */
  verifyHostKey(key: Buffer): Promise<boolean>;
  /** Why the last host-key check refused, for the error the user sees. */
  refusal(): string | null;
  /** ServerAliveInterval, in milliseconds. */
  keepaliveMs?: number;
  /** ProxyJump hops to go through, first hop first. */
  jumps?: SshTarget[];
  keyFile?: string;
  /** Asks for (or recalls) the key's passphrase when it is encrypted; undefined when it is not. */
  unlock?(): Promise<string | undefined>;
  /** Asks the user for keyboard-interactive answers or a password; absent: those methods are not tried. */
  askAuth?: (question: AuthQuestion) => Promise<string[] | null>;
}

/** Connects one client (maybe over a jump host's stream); errors name the host, or say why its key was refused. */
export async function connectClient(
  client: Client,
  target: SshTarget,
  sock: Duplex | undefined,
  onVerified: (key: Buffer) => void,
): Promise<void> {
  const where = `${target.user}@${target.hostname}:${target.port}`;
  // An encrypted key the agent may not hold: ask once (the answer stays in this process).
  let passphrase = target.passphrase;
  if (target.privateKey && passphrase === undefined && target.unlock) {
    try {
      passphrase = await target.unlock();
    } catch (error) {
      if (!target.agent) throw error;
    }
  }
  // Still locked but an agent is there: let the agent authenticate instead.
  const privateKey =
    passphrase === undefined && target.privateKey && target.agent && isEncrypted(target.privateKey)
      ? undefined
      : target.privateKey;
  return new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error) => {
      reject(
        new Error(
          target.refusal() ?? `cannot connect to ${target.alias} (${where}): ${error.message}`,
        ),
      );
    });
    const config: ConnectConfig = {
      host: target.hostname,
      port: target.port,
      sock,
      username: target.user,
      privateKey,
      passphrase,
      agent: target.agent,
      authHandler: authSequence(target, privateKey, passphrase),
      // Prompts wait for a person; the handshake timer only covers the network part.
      readyTimeout: target.askAuth ? 180_000 : 15_000,
      keepaliveInterval: target.keepaliveMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        void target.verifyHostKey(key).then(
          (ok) => {
            if (ok) onVerified(key);
            verify(ok);
          },
          () => verify(false),
        );
      },
    };
    client.connect(config);
  });
}

/**
 * The order OpenSSH tries: agent keys, the key file, keyboard-interactive (one-
 * time codes, shown to the user), password last. A method the server does not
 * list as able to continue is passed over; partial success (AuthenticationMethods
 * "publickey,keyboard-interactive") goes on with the next one the server wants.
 */
function authSequence(
  target: SshTarget,
  privateKey: Buffer | undefined,
  passphrase: string | undefined,
): AuthHandlerMiddleware {
  const username = target.user;
  const host = hostToken(target.hostname, target.port);
  const queue: Array<{ type: AuthenticationType; make: () => Promise<AnyAuthMethod | null> }> = [];
  if (target.agent)
    queue.push({
      type: 'publickey',
      make: async () => ({ type: 'agent', username, agent: target.agent! }),
    });
  if (privateKey && !isEncrypted(privateKey, passphrase))
    queue.push({
      type: 'publickey',
      make: async () => ({ type: 'publickey', username, key: privateKey, passphrase }),
    });
  const ask = target.askAuth;
  if (ask) {
    queue.push({
      type: 'keyboard-interactive',
      make: async () => ({
        type: 'keyboard-interactive',
        username,
        prompt: (name, instructions, _lang, prompts, finish) => {
          // Some servers send an empty round (no prompts): answer it without bothering anyone.
          if (prompts.length === 0) return finish([]);
          void ask({
            kind: 'keyboard-interactive',
            alias: target.alias,
            host,
            title: name,
            instructions,
            prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })),
          }).then((answers) => finish(answers ?? []));
        },
      }),
    });
    queue.push({
      type: 'password',
      make: async () => {
        const answer = await ask({
          kind: 'password',
          alias: target.alias,
          host,
          title: `Password for ${username}@${target.alias}`,
          instructions: '',
          prompts: [{ prompt: 'Password:', echo: false }],
        });
        return answer?.[0] === undefined
          ? null
          : { type: 'password', username, password: answer[0] };
      },
    });
  }
  return (left, _partial, next) => {
    // ssh2 takes `false` for "no more methods" (its typings leave it out).
    const stop = (): void => next(false as unknown as AuthenticationType);
    void (async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        if (left && !left.includes(item.type)) continue;
        const method = await item.make();
        if (method) return next(method);
        // The user cancelled: stop here rather than try what is left.
        return stop();
      }
      stop();
    })();
  };
}

function isEncrypted(key: Buffer, passphrase?: string): boolean {
  return ssh2.utils.parseKey(key, passphrase) instanceof Error;
}
