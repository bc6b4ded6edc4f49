// This server's (or app's) run-ownership lease id, fetched once: compared with RunRecord.ownerId.
import { ref } from 'vue';
import { client } from './api/client';

export const myOwnerId = ref<string | null>(null);
let asked = false;

export function loadOwnerId(): void {
  if (asked) return;
  asked = true;
  client
    .call('appInfo')
    .then((i) => (myOwnerId.value = i.ownerId))
    .catch(() => (asked = false));
}
