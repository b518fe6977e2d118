import type { TransferListItem } from "node:worker_threads";

/** What a `transferList` may hold (MessagePort, ArrayBuffer, ...). */
export type Transferable = TransferListItem;
