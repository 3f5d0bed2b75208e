// dynalite ships no type declarations; this is the part of its API the twin uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }
  const dynalite: (options?: DynaliteOptions) => Server;
  export default dynalite;
}
