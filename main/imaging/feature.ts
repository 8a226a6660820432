/**
 * Imaging in step 2: Ubuntu downloaded (or taken from a local file), checked, and written onto
 * every chosen card at once, then each card's boot configuration in the same job (see
 * imaging-service.ts). The world's environment offers its own catalogue (the practice lab serves
 * small Ubuntu-like images); the settings (a mirror, the cache cap) are app-wide.
 */
import { worldFeature } from '../app/feature-def';
import { ImagingService, imagingSettingsSlice } from './imaging-service';

declare module '../app/feature-def' {
  interface FeatureApis {
    imaging: ImagingService;
  }
}

export const feature = worldFeature('imaging', (ctx) => {
  const cards = () => ctx.feature('cards');
  const imaging = new ImagingService({
    dataDir: ctx.dataDir,
    settings: ctx.store.slice(imagingSettingsSlice),
    jobs: ctx.jobs,
    plan: () => ctx.feature('plan').stored(),
    drives: () => cards().scanner.rescan(),
    safety: (list) => cards().safetyContext(list),
    eject: (drive) => cards().eject(drive.device),
    saveReport: (report) => cards().saveReport(report),
    reserve: (devices) => cards().reserve(devices),
    practiceCatalogueUrl: () => ctx.env.imageCatalogue(),
    ...(ctx.hostServices.resolveProxy ? { systemProxy: ctx.hostServices.resolveProxy } : {}),
    ...(ctx.hostServices.pickImageFile ? { pickLocalFile: ctx.hostServices.pickImageFile } : {}),
    onProgress: (progress) => ctx.emit('imaging.progress', progress),
  });
  return { api: imaging, handlers: imaging.handlers() };
});
