// In-app dialogs: window.prompt() does not exist in Electron (electron/electron#472), so text input goes
// through this store and the one PromptDialog in App.vue.
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface PromptRequest {
  title: string;
  placeholder: string;
  value: string;
  resolve: (answer: string | null) => void;
}

export const useDialogsStore = defineStore('dialogs', () => {
  const prompt = ref<PromptRequest | null>(null);

  /** Asks for one line of text; resolves null when cancelled (or when another prompt replaces it). */
  function ask(title: string, placeholder = '', value = ''): Promise<string | null> {
    prompt.value?.resolve(null);
    return new Promise((resolve) => (prompt.value = { title, placeholder, value, resolve }));
  }

  function answer(text: string | null): void {
    const p = prompt.value;
    prompt.value = null;
    p?.resolve(text === null || !text.trim() ? null : text.trim());
  }

  return { prompt, ask, answer };
});
