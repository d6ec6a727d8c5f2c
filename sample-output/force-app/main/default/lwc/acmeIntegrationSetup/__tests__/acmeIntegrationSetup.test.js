import { createElement } from "lwc";
import SetupComponent from "c/acmeIntegrationSetup";
import getSettings from "@salesforce/apex/AcmeIntegrationSetupController.getSettings";
import saveSettings from "@salesforce/apex/AcmeIntegrationSetupController.saveSettings";
import testConnection from "@salesforce/apex/AcmeIntegrationSetupController.testConnection";

jest.mock(
  "@salesforce/apex/AcmeIntegrationSetupController.getSettings",
  () => ({ default: jest.fn() }),
  { virtual: true }
);
jest.mock(
  "@salesforce/apex/AcmeIntegrationSetupController.saveSettings",
  () => ({ default: jest.fn() }),
  { virtual: true }
);
jest.mock(
  "@salesforce/apex/AcmeIntegrationSetupController.testConnection",
  () => ({ default: jest.fn() }),
  { virtual: true }
);

const TAG = "c-acme-integration-setup";
const TOAST_EVENT = "lightning__showtoast";
const VALID_KEY = "3MVG9ABCDEFGHIJKLMNOPQRSTUV.wxyz_0123456789";
const STORED = {
  consumerKeyMasked: "3MVG****6789",
  hasConsumerKey: true,
  certificateName: "Integration_Cert",
  username: "integration@example.com",
  loginUrl: "https://login.salesforce.com",
  isConfigured: true,
  needsConfirmation: false
};
const EMPTY = {
  consumerKeyMasked: null,
  hasConsumerKey: false,
  certificateName: null,
  username: null,
  loginUrl: null,
  isConfigured: false
};

// Resolve pending promises (Apex calls and re-rendering) without timers.
function flushPromises() {
  return Promise.resolve()
    .then(() => Promise.resolve())
    .then(() => Promise.resolve())
    .then(() => Promise.resolve());
}

async function mount(settings) {
  getSettings.mockResolvedValue(settings);
  const element = createElement(TAG, { is: SetupComponent });
  const toasts = [];
  element.addEventListener(TOAST_EVENT, (event) => toasts.push(event.detail));
  document.body.appendChild(element);
  await flushPromises();
  return { element, toasts };
}

function field(element, name) {
  return element.shadowRoot.querySelector(`[data-field="${name}"]`);
}

function button(element, id) {
  return element.shadowRoot.querySelector(`lightning-button[data-id="${id}"]`);
}

async function change(element, name, value) {
  const input = field(element, name);
  input.dispatchEvent(new CustomEvent("change", { detail: { value } }));
  await flushPromises();
}

function spyValidity(element) {
  const messages = {};
  element.shadowRoot.querySelectorAll("[data-field]").forEach((input) => {
    input.setCustomValidity = (message) => {
      messages[input.dataset.field] = message;
    };
    input.reportValidity = jest.fn();
  });
  return messages;
}

describe("c-acme-integration-setup", () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it("loads the stored settings and never shows the full consumer key", async () => {
    const { element } = await mount(STORED);

    expect(getSettings).toHaveBeenCalledTimes(1);
    const card = element.shadowRoot.querySelector("lightning-card");
    // prettier-ignore
    expect(card.title).toBe('Acme Integration Setup');
    expect(field(element, "consumerKey").value).toBe("");
    expect(field(element, "consumerKey").placeholder).toContain("3MVG****6789");
    expect(field(element, "consumerKey").required).toBe(false);
    expect(
      element.shadowRoot.querySelector(".stored-key").textContent
    ).toContain("3MVG****6789");
    expect(field(element, "certificateName").value).toBe("Integration_Cert");
    expect(field(element, "username").value).toBe("integration@example.com");
    expect(field(element, "loginOption").value).toBe(
      "https://login.salesforce.com"
    );
    expect(field(element, "myDomainUrl")).toBeNull();
    expect(button(element, "test-connection").disabled).toBe(false);
    expect(element.shadowRoot.querySelector("lightning-spinner")).toBeNull();
  });

  it("starts empty with the default login URL when nothing is stored", async () => {
    const { element } = await mount(EMPTY);

    expect(field(element, "consumerKey").required).toBe(true);
    expect(field(element, "consumerKey").placeholder).toBe("");
    expect(element.shadowRoot.querySelector(".stored-key")).toBeNull();
    // prettier-ignore
    expect(field(element, 'loginOption').value).toBe('https://login.salesforce.com');
    expect(button(element, "test-connection").disabled).toBe(true);
  });

  it("asks to re-confirm settings saved in another org", async () => {
    const { element } = await mount({
      ...STORED,
      hasConsumerKey: false,
      consumerKeyMasked: null,
      needsConfirmation: true
    });

    const banner = element.shadowRoot.querySelector(".reconfirm");
    expect(banner.textContent).toContain("saved in another org");
    expect(element.shadowRoot.querySelector(".status").textContent).toContain(
      "Re-confirm"
    );
    expect(field(element, "consumerKey").required).toBe(true);
    expect(button(element, "test-connection").disabled).toBe(true);
  });

  it("shows no re-confirmation banner for settings saved here", async () => {
    const { element } = await mount(STORED);

    expect(element.shadowRoot.querySelector(".reconfirm")).toBeNull();
  });

  it("shows a stored My Domain login URL", async () => {
    const { element } = await mount({
      ...STORED,
      loginUrl: "https://acme--uat.sandbox.my.salesforce.com"
    });

    expect(field(element, "loginOption").value).toBe("myDomain");
    expect(field(element, "myDomainUrl").value).toBe(
      "https://acme--uat.sandbox.my.salesforce.com"
    );
  });

  it("shows an error toast when the settings cannot be loaded", async () => {
    getSettings.mockRejectedValue({ body: { message: "Insufficient access" } });
    const element = createElement(TAG, { is: SetupComponent });
    const toasts = [];
    element.addEventListener(TOAST_EVENT, (event) => toasts.push(event.detail));
    document.body.appendChild(element);
    await flushPromises();

    expect(toasts).toEqual([
      expect.objectContaining({
        variant: "error",
        message: "Insufficient access"
      })
    ]);
  });

  it("reports every missing field and does not call Apex", async () => {
    const { element, toasts } = await mount(EMPTY);
    const messages = spyValidity(element);

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).not.toHaveBeenCalled();
    expect(messages.consumerKey).toMatch(/consumer key/);
    expect(messages.certificateName).toMatch(/unique name/);
    expect(messages.username).toMatch(/username/);
    expect(messages.loginOption).toBe("");
    expect(toasts[0].variant).toBe("error");
  });

  it("rejects values the server would reject", async () => {
    const { element } = await mount(EMPTY);
    await change(element, "consumerKey", "too short");
    await change(element, "certificateName", "Bad__Name_");
    await change(element, "username", "not-an-email");
    await change(element, "loginOption", "myDomain");
    await change(element, "myDomainUrl", "http://acme.example.com");
    const messages = spyValidity(element);

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).not.toHaveBeenCalled();
    expect(messages.consumerKey).toMatch(/20 to 255/);
    expect(messages.certificateName).toMatch(/single underscores/);
    expect(messages.username).toMatch(/email address/);
    expect(messages.myDomainUrl).toMatch(/My Domain login URL/);
  });

  it("rejects a certificate name longer than 64 characters and an empty login choice", async () => {
    const { element } = await mount(STORED);
    await change(element, "certificateName", "A".repeat(65));
    await change(element, "loginOption", "");
    const messages = spyValidity(element);

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).not.toHaveBeenCalled();
    expect(messages.certificateName).toMatch(/at most 64/);
    expect(messages.loginOption).toMatch(/Choose/);
  });

  it("saves valid settings, clears the key field and shows a success toast", async () => {
    const { element, toasts } = await mount(EMPTY);
    saveSettings.mockResolvedValue({
      ...STORED,
      loginUrl: "https://test.salesforce.com"
    });
    await change(element, "consumerKey", ` ${VALID_KEY} `);
    await change(element, "certificateName", "Integration_Cert");
    await change(element, "username", "integration@example.com");
    await change(element, "loginOption", "https://test.salesforce.com");
    expect(element.shadowRoot.querySelector(".unsaved")).not.toBeNull();
    expect(button(element, "test-connection").disabled).toBe(true);

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).toHaveBeenCalledWith({
      consumerKey: VALID_KEY,
      certificateName: "Integration_Cert",
      username: "integration@example.com",
      loginUrl: "https://test.salesforce.com"
    });
    expect(toasts).toEqual([expect.objectContaining({ variant: "success" })]);
    expect(field(element, "consumerKey").value).toBe("");
    expect(field(element, "consumerKey").placeholder).toContain("3MVG****6789");
    expect(element.shadowRoot.querySelector(".unsaved")).toBeNull();
    expect(button(element, "test-connection").disabled).toBe(false);
  });

  it("keeps the stored consumer key when the key field is left blank", async () => {
    const { element } = await mount(STORED);
    saveSettings.mockResolvedValue(STORED);
    await change(element, "certificateName", "Rotated_Cert_2");

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).toHaveBeenCalledWith({
      consumerKey: "",
      certificateName: "Rotated_Cert_2",
      username: "integration@example.com",
      loginUrl: "https://login.salesforce.com"
    });
  });

  it("saves a My Domain login URL without its trailing slash", async () => {
    const { element } = await mount(STORED);
    saveSettings.mockResolvedValue(STORED);
    await change(element, "loginOption", "myDomain");
    await change(element, "myDomainUrl", "https://acme.my.salesforce.com/");

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).toHaveBeenCalledWith(
      expect.objectContaining({ loginUrl: "https://acme.my.salesforce.com" })
    );
  });

  it.each([
    "https://acme--uat.sandbox.my.salesforce.com",
    "https://acme-dev-ed.develop.my.salesforce.com",
    "https://acme.scratch.my.salesforce.com"
  ])("saves the My Domain login URL %s", async (url) => {
    const { element } = await mount(STORED);
    saveSettings.mockResolvedValue(STORED);
    await change(element, "loginOption", "myDomain");
    await change(element, "myDomainUrl", url);

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).toHaveBeenCalledWith(
      expect.objectContaining({ loginUrl: url })
    );
  });

  it.each([
    "https://acme.lightning.force.com",
    "https://acme.dev.my.salesforce.com",
    "https://a.b.my.salesforce.com",
    "https://acme.my.salesforce.com:8443"
  ])("rejects %s, which is not a login URL", async (url) => {
    const { element } = await mount(STORED);
    await change(element, "loginOption", "myDomain");
    await change(element, "myDomainUrl", url);
    const messages = spyValidity(element);

    button(element, "save").click();
    await flushPromises();

    expect(saveSettings).not.toHaveBeenCalled();
    expect(messages.myDomainUrl).toMatch(/\.develop\.my\.salesforce\.com/);
  });

  it("shows the server message when saving fails", async () => {
    const { element, toasts } = await mount(STORED);
    saveSettings.mockRejectedValue({
      body: { message: "You need the Configure permission." }
    });

    button(element, "save").click();
    await flushPromises();

    expect(toasts).toEqual([
      expect.objectContaining({
        variant: "error",
        message: "You need the Configure permission."
      })
    ]);
    expect(button(element, "save").disabled).toBe(false);
  });

  it("reports a successful connection test", async () => {
    const { element, toasts } = await mount(STORED);
    testConnection.mockResolvedValue("Connected as integration@example.com");

    button(element, "test-connection").click();
    await flushPromises();

    expect(testConnection).toHaveBeenCalledTimes(1);
    expect(toasts).toEqual([
      expect.objectContaining({
        variant: "success",
        message: "Connected as integration@example.com"
      })
    ]);
  });

  it("uses a default success message when Apex returns none", async () => {
    const { element, toasts } = await mount(STORED);
    testConnection.mockResolvedValue(null);

    button(element, "test-connection").click();
    await flushPromises();

    expect(toasts[0].variant).toBe("success");
    expect(toasts[0].message).toMatch(/JWT bearer/);
  });

  it("reports a failed connection test with the server message", async () => {
    const { element, toasts } = await mount(STORED);
    testConnection.mockRejectedValue({
      body: { message: "invalid_grant: user hasn't approved this consumer" }
    });

    button(element, "test-connection").click();
    await flushPromises();

    expect(toasts).toEqual([
      expect.objectContaining({
        variant: "error",
        mode: "sticky",
        message: "invalid_grant: user hasn't approved this consumer"
      })
    ]);
  });

  it("joins list errors and hides unexpected error details", async () => {
    const { element, toasts } = await mount(STORED);
    testConnection.mockRejectedValueOnce({
      body: [{ message: "First problem." }, { message: "Second problem." }]
    });
    button(element, "test-connection").click();
    await flushPromises();
    testConnection.mockRejectedValueOnce({ body: [{}] });
    button(element, "test-connection").click();
    await flushPromises();
    testConnection.mockRejectedValueOnce(new TypeError("internal detail"));
    button(element, "test-connection").click();
    await flushPromises();

    expect(toasts.map((toast) => toast.message)).toEqual([
      "First problem. Second problem.",
      expect.stringMatching(/^Something went wrong/),
      expect.stringMatching(/^Something went wrong/)
    ]);
  });
});
