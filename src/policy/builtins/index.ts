export { auditPetImageLifecycle, BUILTIN_DEFINITIONS, cattleRunCurrentImage, restrictImagesToGallery } from './golden-image.js';
