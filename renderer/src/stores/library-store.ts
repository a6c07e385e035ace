import type { LibraryItem } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

/** The template and ISO library, live: items with their per-host copies and states. */
const library = createCollectionStore<LibraryItem>();
export const useLibrary = library.useStore;
export const bindLibrary = (client: Parameters<typeof library.bind>[0]) => library.bind(client, 'library');
