/** asl-validator ships no types: what the tests use of it. */
declare module "asl-validator" {
    interface ValidationResult {
        isValid: boolean;
        errors: { message: string }[];
        errorsText(separator?: string): string;
    }
    function aslValidator(definition: unknown): ValidationResult;
    export = aslValidator;
}
