/** The tutorial's three Deployment manifests, verbatim: the same text the lessons apply (main/lessons/tutorial-manifests.ts). */
export { DEPLOYMENT_SCALE_YAML, DEPLOYMENT_UPDATE_YAML, DEPLOYMENT_YAML } from '../../../lessons/tutorial-manifests';
