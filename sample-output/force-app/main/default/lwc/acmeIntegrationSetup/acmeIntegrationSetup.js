import { LightningElement } from "lwc";
import { ShowToastEvent } from "lightning/platformShowToastEvent";
import getSettings from "@salesforce/apex/AcmeIntegrationSetupController.getSettings";
import saveSettings from "@salesforce/apex/AcmeIntegrationSetupController.saveSettings";
import testConnection from "@salesforce/apex/AcmeIntegrationSetupController.testConnection";

// Values from the project spec; kept verbatim so any label stays a valid literal.
// prettier-ignore
const APP_LABEL = 'Acme Integration';
// prettier-ignore
const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';
const PRODUCTION = "https://login.salesforce.com";
const SANDBOX = "https://test.salesforce.com";
const MY_DOMAIN = "myDomain";

// Client-side checks mirror the server-side checks in AcmeIntegrationSetupController.
const CONSUMER_KEY = /^[A-Za-z0-9._]{20,255}$/;
const CERTIFICATE_NAME = /^[A-Za-z](?:_?[A-Za-z0-9])*$/;
const CERTIFICATE_NAME_MAX = 64;
const USERNAME = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// The accepted login URLs: the same rule as the server side and the project generator.
const LOGIN_URL =
  /^https:\/\/(?:login|test|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.(?:sandbox|develop|scratch))?\.my)\.salesforce\.com$/i;

const GENERIC_ERROR =
  "Something went wrong. Try again, or ask your Salesforce admin to check the setup.";

const MESSAGES = {
  consumerKeyMissing:
    "Enter the consumer key of the External Client App in this org.",
  consumerKeyInvalid:
    "A consumer key is 20 to 255 letters, digits, periods or underscores.",
  certificateNameMissing: "Enter the unique name of the certificate.",
  certificateNameInvalid:
    "Use the Unique Name from Certificate and Key Management: a letter first, then letters, digits and single underscores, no trailing underscore, at most 64 characters.",
  usernameMissing: "Enter the username of the integration user.",
  usernameInvalid:
    "A Salesforce username looks like an email address, for example integration@example.com.",
  loginOptionMissing: "Choose where the integration user logs in.",
  myDomainUrlInvalid:
    "Enter https://login.salesforce.com, https://test.salesforce.com, or a My Domain login URL: https://<name>.my.salesforce.com, https://<name>.sandbox.my.salesforce.com, https://<name>.develop.my.salesforce.com or https://<name>.scratch.my.salesforce.com (<name>: letters, digits and hyphens)."
};

/** A short, displayable message for an error from Apex (AuraHandledException) or the platform. */
function errorMessage(error) {
  const body = error && error.body;
  if (Array.isArray(body)) {
    const messages = body
      .map((item) => item && item.message)
      .filter((message) => typeof message === "string" && message);
    return messages.length ? messages.join(" ") : GENERIC_ERROR;
  }
  if (body && typeof body.message === "string" && body.message) {
    return body.message;
  }
  return GENERIC_ERROR;
}

export default class AcmeIntegrationSetup extends LightningElement {
  cardTitle = `${APP_LABEL} Setup`;
  consumerKey = "";
  consumerKeyMasked = "";
  hasConsumerKey = false;
  certificateName = "";
  username = "";
  loginOption = PRODUCTION;
  myDomainUrl = "";
  isConfigured = false;
  needsConfirmation = false;
  isBusy = false;
  isDirty = false;

  loginOptions = [
    { label: "Production (login.salesforce.com)", value: PRODUCTION },
    { label: "Sandbox (test.salesforce.com)", value: SANDBOX },
    { label: "My Domain URL", value: MY_DOMAIN }
  ];

  connectedCallback() {
    this.loadSettings();
  }

  get isMyDomain() {
    return this.loginOption === MY_DOMAIN;
  }

  get loginUrl() {
    return this.isMyDomain
      ? this.myDomainUrl.trim().replace(/\/+$/, "")
      : this.loginOption;
  }

  get consumerKeyPlaceholder() {
    return this.hasConsumerKey
      ? `${this.consumerKeyMasked} (leave blank to keep)`
      : "";
  }

  get isConsumerKeyRequired() {
    return !this.hasConsumerKey;
  }

  get isTestDisabled() {
    return (
      this.isBusy ||
      this.isDirty ||
      !this.isConfigured ||
      this.needsConfirmation
    );
  }

  get statusText() {
    if (this.needsConfirmation) {
      return "Status: saved in another org. Re-confirm the settings for this org.";
    }
    return this.isConfigured
      ? "Status: configured. Test the connection after every change."
      : "Status: not configured yet.";
  }

  async loadSettings() {
    this.isBusy = true;
    try {
      this.applySettings(await getSettings());
    } catch (error) {
      this.notify("error", "Settings not loaded", errorMessage(error));
    } finally {
      this.isBusy = false;
    }
  }

  applySettings(settings) {
    const values = settings || {};
    this.consumerKey = "";
    this.consumerKeyMasked = values.consumerKeyMasked || "";
    this.hasConsumerKey = Boolean(values.hasConsumerKey);
    this.certificateName = values.certificateName || "";
    this.username = values.username || "";
    this.isConfigured = Boolean(values.isConfigured);
    this.needsConfirmation = Boolean(values.needsConfirmation);
    const loginUrl = values.loginUrl || DEFAULT_LOGIN_URL;
    if (loginUrl === PRODUCTION || loginUrl === SANDBOX) {
      this.loginOption = loginUrl;
      this.myDomainUrl = "";
    } else {
      this.loginOption = MY_DOMAIN;
      this.myDomainUrl = loginUrl;
    }
    this.isDirty = false;
  }

  handleChange(event) {
    const field = event.target.dataset.field;
    this[field] = event.detail.value;
    this.isDirty = true;
    event.target.setCustomValidity("");
  }

  validationMessage(field) {
    const value = String(this[field] || "").trim();
    switch (field) {
      case "consumerKey":
        if (!value) {
          return this.hasConsumerKey ? "" : MESSAGES.consumerKeyMissing;
        }
        return CONSUMER_KEY.test(value) ? "" : MESSAGES.consumerKeyInvalid;
      case "certificateName":
        if (!value) {
          return MESSAGES.certificateNameMissing;
        }
        return value.length <= CERTIFICATE_NAME_MAX &&
          CERTIFICATE_NAME.test(value)
          ? ""
          : MESSAGES.certificateNameInvalid;
      case "username":
        if (!value) {
          return MESSAGES.usernameMissing;
        }
        return USERNAME.test(value) ? "" : MESSAGES.usernameInvalid;
      case "loginOption":
        return value ? "" : MESSAGES.loginOptionMissing;
      case "myDomainUrl":
        return LOGIN_URL.test(this.loginUrl) ? "" : MESSAGES.myDomainUrlInvalid;
      default:
        return "";
    }
  }

  validateForm() {
    let valid = true;
    this.template.querySelectorAll("[data-field]").forEach((input) => {
      const message = this.validationMessage(input.dataset.field);
      input.setCustomValidity(message);
      input.reportValidity();
      if (message) {
        valid = false;
      }
    });
    return valid;
  }

  async handleSave() {
    if (!this.validateForm()) {
      this.notify(
        "error",
        "Settings not saved",
        "Correct the highlighted fields and save again."
      );
      return;
    }
    this.isBusy = true;
    try {
      const settings = await saveSettings({
        consumerKey: this.consumerKey.trim(),
        certificateName: this.certificateName.trim(),
        username: this.username.trim(),
        loginUrl: this.loginUrl
      });
      this.applySettings(settings);
      this.notify(
        "success",
        "Settings saved",
        "Now use Test connection to check the setup."
      );
    } catch (error) {
      this.notify("error", "Settings not saved", errorMessage(error));
    } finally {
      this.isBusy = false;
    }
  }

  async handleTestConnection() {
    this.isBusy = true;
    try {
      const message = await testConnection();
      this.notify(
        "success",
        "Connection works",
        message || "The JWT bearer token exchange succeeded."
      );
    } catch (error) {
      this.notify("error", "Connection failed", errorMessage(error));
    } finally {
      this.isBusy = false;
    }
  }

  notify(variant, title, message) {
    this.dispatchEvent(
      new ShowToastEvent({
        title,
        message,
        variant,
        mode: variant === "error" ? "sticky" : "dismissible"
      })
    );
  }
}
