import { TotalGestSandbox, type TotalGestSandboxOptions } from '../../src/sandbox/totalgest-sandbox';
import { Framework360Sandbox, type Framework360SandboxOptions } from '../../src/sandbox/framework360-sandbox';

/** Sandboxes on ephemeral loopback ports, for one test file. */
export async function startTotalGest(opts: TotalGestSandboxOptions = {}): Promise<TotalGestSandbox> {
  const sb = new TotalGestSandbox({ articles: 50, demoArticles: true, ...opts });
  await sb.start(0);
  return sb;
}

export async function startFramework360(opts: Framework360SandboxOptions = {}): Promise<Framework360Sandbox> {
  const sb = new Framework360Sandbox({ redeliveryDelayMs: 50, maxRedeliveryDelayMs: 200, ...opts });
  await sb.start(0);
  return sb;
}

export async function control(baseUrl: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

export const demoCredentials = {
  shopId: 'demo-shop',
  ownerId: 'demo-owner',
  username: 'demo',
  password: 'demo-password',
};
