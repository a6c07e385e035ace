import type { MethodParams } from '../../../engine/contract';
import { call } from './call';
import { runJob } from './jobs';

/** The template and ISO library. Changes are jobs; each promise follows its job. */

export const osCatalogue = () => call('library.osCatalogue', {});

export const registerFromVm = (params: MethodParams<'library.registerFromVm'>) => runJob('library.registerFromVm', params);

export const copyToHost = (params: MethodParams<'library.copyToHost'>) => runJob('library.copyToHost', params);

export const deleteLibraryCopy = (params: MethodParams<'library.deleteCopy'>) => runJob('library.deleteCopy', params);

export const deleteLibraryItem = (itemId: string) => runJob('library.delete', { itemId });

/** Starts an upload: the item is listed at once; the bytes go to the ticket's URL. */
export const beginLibraryUpload = (params: MethodParams<'library.upload'>) => call('library.upload', params);
