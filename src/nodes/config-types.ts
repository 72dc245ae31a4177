import type { Node } from 'node-red';
import type { TotalGestConnection } from '../engine/connection';
import type { Framework360Client } from '../framework360/client';

/** What the using nodes may ask of the config nodes. */

export interface TotalGestConfigNode extends Node<{ username?: string; password?: string }> {
  /** The connection, or the configuration error that prevents one. */
  connection(): TotalGestConnection;
  /** A precise message when the configuration is unusable, for the using nodes' status. */
  configError: string | undefined;
}

export interface Framework360ConfigNode extends Node<{ apiKey?: string; webhookSecret?: string }> {
  client(): Framework360Client;
  /** From the credentials whatever the other settings; empty when none is stored (or they cannot be read). */
  webhookSecret(): string;
  /** The externalRef prefix (default `FW360-`); throws a ConfigError when the configured one is invalid. */
  refPrefix(): string;
  configError: string | undefined;
}
